using System.Text.Json;
using Vsa.Edge.Agent.Core.Authorisation;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Reconcile;

/// <summary>A desired configuration that passed every check: its cameras, parsed, and the gate of its authorisation windows.</summary>
/// <param name="Message">The message as received.</param>
/// <param name="Cameras">Its cameras, parsed and validated, in message order.</param>
/// <param name="Gate">Its authorisation windows.</param>
public sealed record ValidDesiredConfig(DesiredConfigMessage Message, IReadOnlyList<CameraConfig> Cameras, AuthorisationGate Gate);

/// <summary>
/// Checks a desired configuration exactly as the device will run it: the envelope (schema, device), every camera
/// document with <see cref="CameraConfigLoader"/> and its rules built against the loaded model (a category the model
/// lacks is caught here, not at the first frame), unique camera ids, and the authorisation windows. All or nothing:
/// one error anywhere refuses the whole version.
/// </summary>
public static class DesiredConfigChecker
{
    /// <summary>The valid configuration, or null with every error (each names the camera and field) in <paramref name="errors"/>.</summary>
    public static ValidDesiredConfig? Check(DesiredConfigMessage message, string deviceId, ModelManifest manifest, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(manifest);
        var found = new List<string>();
        errors = found;
        if (message.Schema != DesiredConfigMessage.SchemaId || message.SchemaVersion != DesiredConfigMessage.CurrentVersion)
        {
            found.Add($"schema: '{message.Schema}' version {message.SchemaVersion} is not {DesiredConfigMessage.SchemaId} version {DesiredConfigMessage.CurrentVersion}");
        }

        if (!string.Equals(message.DeviceId, deviceId, StringComparison.Ordinal))
        {
            found.Add($"deviceId: '{message.DeviceId}' is not this device ('{deviceId}')");
        }

        if (message.Version <= 0)
        {
            found.Add($"version: {message.Version} is not a positive number");
        }

        var cameras = new List<CameraConfig>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var documents = message.Cameras ?? [];
        for (var i = 0; i < documents.Count; i++)
        {
            var camera = CheckCamera(documents[i], i, deviceId, manifest, found);
            if (camera is not null && !ids.Add(camera.CameraId))
            {
                found.Add($"cameras[{i}] ('{camera.CameraId}').cameraId: used by another camera of this configuration");
            }
            else if (camera is not null)
            {
                cameras.Add(camera);
            }
        }

        found.AddRange(AuthorisationGate.Validate(message.Authorisations));
        return found.Count == 0 ? new ValidDesiredConfig(message, cameras, new AuthorisationGate(message.Authorisations ?? [])) : null;
    }

    private static CameraConfig? CheckCamera(JsonElement document, int index, string deviceId, ModelManifest manifest, List<string> errors)
    {
        var at = $"cameras[{index}]";
        if (document.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{at}: a camera document is a JSON object, not {document.ValueKind}");
            return null;
        }

        if (document.TryGetProperty("cameraId", out var id) && id.ValueKind == JsonValueKind.String)
        {
            at += $" ('{id.GetString()}')";
        }

        try
        {
            var camera = CameraConfigLoader.Parse(document.GetRawText());

            // Built once here so a category or pose need the model cannot meet refuses the version before anything changes.
            _ = new RuleEngine(camera, manifest, string.IsNullOrWhiteSpace(deviceId) ? "device" : deviceId);
            return camera;
        }
        catch (CameraConfigException ex)
        {
            errors.AddRange((ex.Errors.Count > 0 ? ex.Errors : [ex.Message]).Select(e => $"{at}.{e}"));
            return null;
        }
    }
}

/// <summary>What becomes of one camera when a new configuration is applied.</summary>
public enum CameraChangeKind
{
    /// <summary>Same document: nothing to do.</summary>
    Unchanged,

    /// <summary>Zones, lines, masks, events or calibration changed: the running pipeline swaps its rules and masks.</summary>
    Update,

    /// <summary>The source changed: the pipeline stops and starts on the new source.</summary>
    Restart,

    /// <summary>A new camera: its pipeline starts.</summary>
    Start,

    /// <summary>A camera no longer configured: its pipeline stops (its open alerts end).</summary>
    Stop,
}

/// <summary>One step of a configuration change.</summary>
/// <param name="CameraId">The camera.</param>
/// <param name="Kind">What to do.</param>
/// <param name="Next">Its new configuration (null for <see cref="CameraChangeKind.Stop"/>).</param>
public sealed record CameraChange(string CameraId, CameraChangeKind Kind, CameraConfig? Next);

/// <summary>The diff from the running cameras to the next ones, as an immutable plan the host runs in order.</summary>
public static class ConfigPlanner
{
    /// <summary>Stops first (they free their resources), then the next configuration's cameras in its order.</summary>
    public static IReadOnlyList<CameraChange> Plan(IReadOnlyList<CameraConfig> running, IReadOnlyList<CameraConfig> next)
    {
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(next);
        var before = running.ToDictionary(c => c.CameraId, StringComparer.Ordinal);
        var plan = new List<CameraChange>();
        var kept = next.Select(c => c.CameraId).ToHashSet(StringComparer.Ordinal);
        plan.AddRange(running.Where(c => !kept.Contains(c.CameraId)).Select(c => new CameraChange(c.CameraId, CameraChangeKind.Stop, null)));
        foreach (var camera in next)
        {
            var kind = !before.TryGetValue(camera.CameraId, out var old) ? CameraChangeKind.Start
                : !string.Equals(old.Source, camera.Source, StringComparison.Ordinal) ? CameraChangeKind.Restart
                : SameDocument(old, camera) ? CameraChangeKind.Unchanged
                : CameraChangeKind.Update;
            plan.Add(new CameraChange(camera.CameraId, kind, camera));
        }

        return plan;
    }

    // Records compare their lists by reference; the canonical documents compare what was configured.
    private static bool SameDocument(CameraConfig a, CameraConfig b) =>
        string.Equals(CameraConfigLoader.ToDocument(a).GetRawText(), CameraConfigLoader.ToDocument(b).GetRawText(), StringComparison.Ordinal);
}
