using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.Contracts.ModelPackages;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Agent.Models;

/// <summary>The outcome of <see cref="ModelInstaller.Install"/>.</summary>
/// <param name="Activated">True when the candidate passed and is now the active slot (soaking).</param>
/// <param name="Version">The package version (null when the metadata could not be read).</param>
/// <param name="Reason">Why it was refused or failed (<c>reason-wire-name: details</c>); null when activated.</param>
/// <param name="Validation">The validation report, when validation ran.</param>
/// <param name="Model">The loaded, validated detector (caller owns it) when a detector was activated.</param>
/// <param name="Pose">The loaded, validated pose model (caller owns it) when a pose model was activated.</param>
public sealed record InstallResult(bool Activated, string? Version, string? Reason, ValidationReport? Validation, DetectorModel? Model, PoseModel? Pose = null)
{
    /// <summary>The loaded model of either kind, null when none was activated.</summary>
    public IDisposable? Loaded => (IDisposable?)Model ?? Pose;
}

/// <summary>
/// Installs a downloaded package into the candidate slot: verify (signature, expiry, no downgrade, every hash) while
/// unpacking into a staging folder, validate it there on this device, and only then seal the slot and commit it as active in one atomic
/// write of the slot state. <see cref="Step"/> is called as each step starts (progress reports; the kill tests stop the
/// process there). A refused or failing candidate changes nothing but the recorded outcome.
/// </summary>
public sealed class ModelInstaller(ModelSlotStore store, SignedMessageVerifier keys, InferenceOptions inference, TimeProvider time, ILogger logger, string agentVersion)
{
    /// <summary>
    /// Which model the slots hold: <c>detector</c> (default) or <c>pose</c>. A package of another kind is refused, and the
    /// kind picks the validation (<see cref="ModelValidator"/>, <see cref="PoseValidator"/>).
    /// </summary>
    public string Kind { get; init; } = ModelPackageMetadata.DetectorKind;

    /// <summary>The configured pose options (threads, crop padding) a pose candidate is validated with; defaults when null.</summary>
    public PoseOptions? Pose { get; init; }

    /// <summary>
    /// Called with <see cref="ModelUpdateStates.Verifying"/>, <see cref="ModelUpdateStates.Validating"/>, <c>switching</c>
    /// (before the commit) and <see cref="Committed"/> (after it: the slot state names the candidate).
    /// </summary>
    public Action<string>? Step { get; init; }

    /// <summary>The step after the commit point (the state file was replaced).</summary>
    public const string Committed = "committed";

    /// <summary>
    /// Verifies, stages, validates and activates the package at <paramref name="packagePath"/>; <paramref name="packageSha256"/>
    /// is the SHA-256 of the file when the caller checked it already (the downloader), else it is computed here.
    /// </summary>
    public InstallResult Install(string packagePath, string? packageSha256 = null)
    {
        Step?.Invoke(ModelUpdateStates.Verifying);
        var sha = packageSha256 ?? HashOf(packagePath);
        var state = store.Read();
        var running = ModelPackage.Load(store.SlotDirectory(state.Active)).Manifest.Id;
        var slot = store.PrepareCandidateSlot();
        var staging = store.StagingDirectory(slot);
        VerifiedModelPackage verified;
        try
        {
            verified = ModelPackageVerifier.Verify(packagePath, keys, new PackageChecks(time.GetUtcNow(), agentVersion, running, state.ActiveVersion), staging);
        }
        catch (ModelPackageException ex)
        {
            ModelUpdateLog.Refused(logger, packagePath, ex.Report);
            Discard(staging);
            store.RecordFailure("unknown", ex.Report, time.GetUtcNow(), sha);
            return new InstallResult(false, null, ex.Report, null, null);
        }
        catch (IOException ex)
        {
            var reason = $"{ModelPackageRefusal.Malformed.WireName()}: {ex.Message}";
            Discard(staging);
            store.RecordFailure("unknown", reason, time.GetUtcNow(), sha);
            return new InstallResult(false, null, reason, null, null);
        }

        var m = verified.Metadata;
        if (m.Kind != Kind)
        {
            var reason = $"{ModelPackageRefusal.Malformed.WireName()}: {m.Id} {m.Version} is a {m.Kind} model, it cannot replace the {Kind} model";
            Discard(staging);
            store.RecordFailure(m.Version, reason, time.GetUtcNow());
            return new InstallResult(false, m.Version, reason, null, null);
        }

        Step?.Invoke(ModelUpdateStates.Validating);

        // Validated where it was unpacked: the slot it replaces (maybe the rollback target) is untouched until it passed.
        DetectorModel? model = null;
        PoseModel? pose = null;
        ValidationReport report;
        if (Kind == ModelPackageMetadata.PoseKind)
        {
            (report, pose) = PoseValidator.Validate(staging, m.Validation, Pose ?? new PoseOptions(), inference, logger);
        }
        else
        {
            (report, model) = ModelValidator.Validate(staging, m.Validation, inference, logger);
        }

        ModelUpdateLog.Validated(logger, m.Id, m.Version, report.Passed, report.Matched, report.Expected, report.MillisecondsPerFrame, report.LoadTime.TotalMilliseconds, report.Reason ?? "");
        if (model is null && pose is null)
        {
            var reason = $"{ModelPackageRefusal.ValidationFailed.WireName()}: {report.Reason}";
            Discard(staging);
            store.RecordFailure(m.Version, reason, time.GetUtcNow(), sha);
            return new InstallResult(false, m.Version, reason, report, null);
        }

        Step?.Invoke("switching");
        store.Seal(slot);
        store.Activate(slot, m.Id, m.Version, time.GetUtcNow(), sha);
        ModelRestartLog.Committed(logger, m.Id, m.Version, slot, sha);
        Step?.Invoke(Committed);
        return new InstallResult(true, m.Version, null, report, model, pose);
    }

    private static string? HashOf(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // The verifier names the fault.
        }
    }

    // A refused candidate leaves nothing behind (a power cut here is cleaned by the next PrepareCandidateSlot).
    private static void Discard(string staging)
    {
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }
    }
}

/// <summary>Log messages of model updates (event ids 11600–11699).</summary>
internal static partial class ModelUpdateLog
{
    [LoggerMessage(EventId = 11600, Level = LogLevel.Warning, Message = "Model package {Package} refused: {Reason}")]
    public static partial void Refused(ILogger logger, string package, string reason);

    [LoggerMessage(EventId = 11601, Level = LogLevel.Information, Message = "Model {Id} {Version} validation passed={Passed}: {Matched}/{Expected} detections, {MsPerFrame:0.0} ms/frame, loaded in {LoadMs:0} ms {Reason}")]
    public static partial void Validated(ILogger logger, string id, string version, bool passed, int matched, int expected, double msPerFrame, double loadMs, string reason);

    [LoggerMessage(EventId = 11602, Level = LogLevel.Information, Message = "Model {Id} {Version} active on camera {Camera} from frame {Frame}")]
    public static partial void Switched(ILogger logger, string id, string version, string camera, long frame);

    [LoggerMessage(EventId = 11603, Level = LogLevel.Warning, Message = "Model {Version} rolled back: {Reason}")]
    public static partial void RolledBack(ILogger logger, string version, string reason);

    [LoggerMessage(EventId = 11604, Level = LogLevel.Information, Message = "Model {Version} passed its soak and is kept")]
    public static partial void Confirmed(ILogger logger, string version);

    [LoggerMessage(EventId = 11605, Level = LogLevel.Warning, Message = "Model download {Url} failed: {Reason}")]
    public static partial void DownloadFailed(ILogger logger, string url, string reason);
}
