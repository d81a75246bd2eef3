using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Proposals;

/// <summary>A proposal file ready to go, with the bytes it was built from.</summary>
/// <param name="File">The file in <c>proposals/</c>.</param>
/// <param name="Message">What is published.</param>
public sealed record PendingProposal(string File, ConfigProposalMessage Message);

/// <summary>
/// <c>{Agent:DataDirectory}/proposals/</c>: camera documents the installer saved on the pole (the set-up page writes
/// <c>{cameraId}.json</c>, the exact camera-document JSON the loader reads). Each file goes to the fleet as a
/// <see cref="ConfigProposalMessage"/> and is moved to <c>proposals/sent/</c> only once the fleet acknowledged it (a PUBACK
/// from the fleet's broker means stored), so a proposal saved offline waits here until the uplink returns, and a crash between
/// the send and the move sends the same proposal again (same id: the fleet ignores the repeat). A file the agent's own
/// validator refuses, or larger than <see cref="MaxBytes"/>, is moved to <c>proposals/refused/</c> with the reason in
/// <c>{name}.reason.txt</c>: it would be refused by the fleet too. The fleet takes at most
/// <see cref="ConfigProposalMessage.MaxPerDevicePerHour"/> proposals per device and hour and acknowledges (then dead-letters)
/// the ones over it, so the agent never sends more within an hour: the times of the fleet's acknowledgements are kept in
/// <c>sent/.sent-times</c> (a restart remembers them) and the files over the budget stay here until it frees.
/// </summary>
public sealed partial class ProposalFolder(string dataPath, TimeProvider time, ILogger<ProposalFolder> logger)
{
    /// <summary>Largest proposal file sent (the fleet takes messages up to 64 KiB; a camera document is a few KiB).</summary>
    public const int MaxBytes = 48 * 1024;

    private int _held;

    /// <summary>The folder watched.</summary>
    public string Path { get; } = System.IO.Path.Combine(dataPath, "proposals");

    /// <summary>
    /// The proposals to send now, oldest file first, at most what the hour's budget allows (the others wait, logged); files
    /// that cannot be sent are set aside (logged).
    /// </summary>
    public IReadOnlyList<PendingProposal> Pending(string deviceId)
    {
        if (!Directory.Exists(Path))
        {
            return [];
        }

        var pending = ReadPending(deviceId);
        var times = System.IO.Path.Combine(Path, "sent", ProposalPacing.FileName);
        int budget;
        DateTimeOffset freesAt;
        try
        {
            budget = ProposalPacing.Budget(times, time.GetUtcNow(), out freesAt);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Unreadable: sent as before pacing existed; the fleet still refuses what is over its limit.
            LogUnreadable(logger, times, ex.Message);
            return pending;
        }

        if (pending.Count <= budget)
        {
            return pending;
        }

        // Said once per change, not at every scan.
        var held = pending.Count - budget;
        if (Interlocked.Exchange(ref _held, held) != held)
        {
            LogHeld(logger, held, ConfigProposalMessage.MaxPerDevicePerHour, freesAt);
        }

        return pending[..budget];
    }

    private List<PendingProposal> ReadPending(string deviceId)
    {
        var pending = new List<PendingProposal>();
        foreach (var file in new DirectoryInfo(Path).EnumerateFiles("*.json").OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal))
        {
            try
            {
                if (file.Length > MaxBytes)
                {
                    Refuse(file.FullName, $"{file.Length} bytes, at most {MaxBytes} are sent");
                    continue;
                }

                var bytes = File.ReadAllBytes(file.FullName);
                var text = Encoding.UTF8.GetString(bytes);
                Vsa.Edge.Configuration.CameraConfig parsed;
                try
                {
                    parsed = CameraConfigLoader.Parse(text);
                }
                catch (CameraConfigException e)
                {
                    Refuse(file.FullName, string.Join("; ", e.Errors));
                    continue;
                }

                // What leaves the pole has the camera's password masked, as in every report: the fleet keeps the source it
                // already has when the masked one is the same address (docs/installing.md, Hand-over).
                var document = Hosting.CameraDocuments.ReportedDocument(parsed);
                var at = new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero);
                var now = time.GetUtcNow();
                pending.Add(new PendingProposal(file.FullName, new ConfigProposalMessage(
                    ConfigProposalMessage.SchemaId, ConfigProposalMessage.CurrentVersion, deviceId, IdOf(bytes), at > now ? now : at, document)));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
            {
                // Being written (the set-up page renames a finished file into place), or unreadable: the next scan sees it again.
                LogUnreadable(logger, file.FullName, ex.Message);
            }
        }

        return pending;
    }

    /// <summary>
    /// The fleet has <paramref name="proposal"/>: its file moves to <c>sent/</c>, unless the installer saved a new version
    /// meanwhile (other bytes), which is then sent at the next scan.
    /// </summary>
    public void MarkSent(PendingProposal proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        var times = System.IO.Path.Combine(Path, "sent", ProposalPacing.FileName);
        try
        {
            // Counted against the hour's budget whatever becomes of the file: the fleet has taken one more.
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(times)!);
            ProposalPacing.Record(times, time.GetUtcNow());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogUnreadable(logger, times, ex.Message);
        }

        try
        {
            if (!File.Exists(proposal.File) || IdOf(File.ReadAllBytes(proposal.File)) != proposal.Message.ProposalId)
            {
                return;
            }

            var sent = Directory.CreateDirectory(System.IO.Path.Combine(Path, "sent")).FullName;
            File.Move(proposal.File, System.IO.Path.Combine(sent, System.IO.Path.GetFileName(proposal.File)), overwrite: true);
            var cameraId = proposal.Message.Camera.GetProperty("cameraId").GetString() ?? "?";
            LogSent(logger, cameraId, proposal.Message.ProposalId);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left in place: sent again, and the fleet recognises it by its id.
            LogUnreadable(logger, proposal.File, ex.Message);
        }
    }

    /// <summary>The proposal id of a document: lower-case hex SHA-256 of its bytes.</summary>
    public static string IdOf(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private void Refuse(string file, string reason)
    {
        var refused = Directory.CreateDirectory(System.IO.Path.Combine(Path, "refused")).FullName;
        var name = System.IO.Path.GetFileName(file);
        File.Move(file, System.IO.Path.Combine(refused, name), overwrite: true);
        File.WriteAllText(System.IO.Path.Combine(refused, name + ".reason.txt"), reason + Environment.NewLine);
        LogRefused(logger, name, reason);
    }

    [LoggerMessage(EventId = 12200, Level = LogLevel.Information, Message = "Proposal for camera {CameraId} ({ProposalId}) received by the fleet; an administrator applies or rejects it")]
    private static partial void LogSent(ILogger logger, string cameraId, string proposalId);

    [LoggerMessage(EventId = 12201, Level = LogLevel.Error, Message = "Proposal {File} not sent, moved to proposals/refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = 13000, Level = LogLevel.Warning, Message = "{Count} proposal(s) kept on the pole: the fleet takes at most {Max} per hour; sent from {FreesAt:O}")]
    private static partial void LogHeld(ILogger logger, int count, int max, DateTimeOffset freesAt);

    [LoggerMessage(EventId = 12202, Level = LogLevel.Warning, Message = "Proposal {File} not read now ({Reason}); tried again at the next scan")]
    private static partial void LogUnreadable(ILogger logger, string file, string reason);
}
