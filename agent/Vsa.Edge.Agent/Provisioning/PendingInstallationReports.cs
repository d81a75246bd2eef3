using System.Text.Json;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Provisioning;

/// <summary>
/// Installation reports the fleet has not acknowledged yet, kept on the pole in <c>{data}/installation/pending/{reportId}.json</c>
/// (written whole through a temporary file, so a power cut never leaves half a report): the self-test leaves its report here
/// when the uplink is down, and the running agent publishes them at its next connection.
/// </summary>
public sealed class PendingInstallationReports(string dataDirectory)
{
    /// <summary>The folder.</summary>
    public string Directory { get; } = Path.Combine(Path.GetFullPath(dataDirectory), "installation", "pending");

    /// <summary>Keeps <paramref name="report"/>; returns its file.</summary>
    public string Save(InstallationReportMessage report)
    {
        ArgumentNullException.ThrowIfNull(report);
        System.IO.Directory.CreateDirectory(Directory);
        var path = PathOf(report.ReportId);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(report, ContractsJsonContext.Default.InstallationReportMessage));
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    /// <summary>The reports waiting, oldest first; a file that does not parse is skipped (and left for a person to read).</summary>
    public IReadOnlyList<InstallationReportMessage> List()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        var reports = new List<InstallationReportMessage>();
        foreach (var file in System.IO.Directory.GetFiles(Directory, "*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize(File.ReadAllBytes(file), ContractsJsonContext.Default.InstallationReportMessage) is { } report
                    && PathOf(report.ReportId) == file)
                {
                    reports.Add(report);
                }
            }
            catch (Exception ex) when (ex is JsonException or IOException)
            {
                // Not ours or damaged: skipped, never deleted.
            }
        }

        return [.. reports.OrderBy(r => r.At)];
    }

    /// <summary>Forgets a report the fleet has (its PUBACK or its acknowledgement came back).</summary>
    public void Remove(string reportId) => File.Delete(PathOf(reportId));

    private string PathOf(string reportId) =>
        Path.Combine(Directory, reportId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? reportId + ".json" : throw new ArgumentException($"report id '{reportId}' is not a file name", nameof(reportId)));
}
