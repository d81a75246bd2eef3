using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Contracts.Files;

namespace Vsa.Edge.Agent.Models;

/// <summary>An update under way, as <see cref="ModelUpdateJournal"/> records it at each step.</summary>
/// <param name="Id">Model id asked for.</param>
/// <param name="Version">Version asked for.</param>
/// <param name="Sha256">SHA-256 of the package (names the update).</param>
/// <param name="Step"><c>downloading</c>, <c>verifying</c>, <c>validating</c>, <c>switching</c> or <c>committed</c>.</param>
/// <param name="At">When the step began.</param>
public sealed record UpdateInProgress(string Id, string Version, string Sha256, string Step, DateTimeOffset At);

/// <summary>
/// <c>{data}/models/update.json</c>: the step an update has reached, replaced by rename at every step and removed when the
/// update ends (switched, failed). It decides nothing — <c>state.json</c> alone says which model runs —, it lets an agent
/// that was killed or lost power say after its restart what the restart interrupted and what it did about it.
/// </summary>
public sealed class ModelUpdateJournal(string root)
{
    /// <summary>The journal file.</summary>
    public string FilePath { get; } = Path.Combine(root, "update.json");

    /// <summary>The update a previous run left under way; null when none (or the file cannot be read: it decides nothing).</summary>
    public UpdateInProgress? Read()
    {
        try
        {
            return File.Exists(FilePath) ? JsonSerializer.Deserialize(File.ReadAllBytes(FilePath), ModelJournalJsonContext.Default.UpdateInProgress) : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Records <paramref name="step"/> (temporary file flushed to disk, rename: never half-written).</summary>
    public void Write(UpdateInProgress step)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        ProtectedFile.Replace(FilePath, JsonSerializer.SerializeToUtf8Bytes(step, ModelJournalJsonContext.Default.UpdateInProgress), ProtectedFile.Readable);
    }

    /// <summary>The update ended: nothing is under way.</summary>
    public void Clear() => File.Delete(FilePath);

    /// <summary>
    /// What the restart interrupted and what the device does about it, for an update of the same package taken up again
    /// (reported in the update's reason, prefixed <c>restart:</c>); <paramref name="partBytes"/> is what the download left on disk.
    /// </summary>
    public static string Describe(UpdateInProgress interrupted, long partBytes, long size)
    {
        ArgumentNullException.ThrowIfNull(interrupted);
        return interrupted.Step switch
        {
            ModelUpdateStates.Downloading => $"restart: the agent stopped while downloading {interrupted.Version}; the download resumes from byte {partBytes} of {size}",
            ModelUpdateStates.Verifying => $"restart: the agent stopped while verifying {interrupted.Version}; verified again from the downloaded package",
            ModelUpdateStates.Validating => $"restart: the agent stopped while validating {interrupted.Version}; verified and validated again",
            _ => $"restart: the agent stopped while switching to {interrupted.Version}, before the commit; installed again",
        };
    }

    /// <summary>
    /// What a start during a soak means: the new model runs and its soak goes on; <paramref name="interrupted"/> when the
    /// journal shows the previous run stopped between the commit and the end of the switch.
    /// </summary>
    public static string DescribeSoakRestart(UpdateInProgress? interrupted, ModelSlotState state, int maxStarts)
    {
        ArgumentNullException.ThrowIfNull(state);
        var what = interrupted is null ? $"restarted during the soak of {state.ActiveVersion}" : $"stopped while switching to {state.ActiveVersion}, after the commit";
        return $"restart: the agent {what}; it runs {state.ActiveVersion} and its soak goes on (start {state.StartsDuringSoak} of {maxStarts} allowed)";
    }
}

/// <summary>Source-generated JSON for the update journal.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(UpdateInProgress))]
internal sealed partial class ModelJournalJsonContext : JsonSerializerContext;

/// <summary>Log messages of model updates across restarts (event ids 13400–13419).</summary>
internal static partial class ModelRestartLog
{
    [LoggerMessage(EventId = 13400, Level = LogLevel.Information, Message = "Model {Id} {Version} committed: slot {Slot} active in the slot state (package {Sha256})")]
    public static partial void Committed(ILogger logger, string id, string version, string slot, string? sha256);

    [LoggerMessage(EventId = 13401, Level = LogLevel.Debug, Message = "Model package {Url}: {Bytes} of {Size} bytes on disk")]
    public static partial void Progress(ILogger logger, string url, long bytes, long size);

    [LoggerMessage(EventId = 13402, Level = LogLevel.Warning, Message = "Model {Version}: {Note}")]
    public static partial void Interrupted(ILogger logger, string version, string note);

    [LoggerMessage(EventId = 13403, Level = LogLevel.Information, Message = "Model {Version} soak resumed after a restart: started {StartedAt:O}, baseline {BaselineFps:0.0}/s, previous model {Previous} loaded again to roll back to")]
    public static partial void SoakResumed(ILogger logger, string version, DateTimeOffset startedAt, double baselineFps, string previous);

    [LoggerMessage(EventId = 13404, Level = LogLevel.Error, Message = "Model {Version} soak cannot resume after a restart (its previous model {Previous} does not load): {Reason}")]
    public static partial void SoakNotResumed(ILogger logger, string version, string previous, string reason);

    [LoggerMessage(EventId = 13405, Level = LogLevel.Warning, Message = "Model update journal {Path} could not be written (reports after a restart will not say what it interrupted): {Reason}")]
    public static partial void JournalFailed(ILogger logger, string path, string reason);
}
