using System.Globalization;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Rollouts;

/// <summary>What a gate says of a device or a stage.</summary>
public enum GateVerdict
{
    /// <summary>Healthy on the new model (a device), or soaked and healthy (a stage).</summary>
    Passed,

    /// <summary>Not yet decided.</summary>
    Waiting,

    /// <summary>Failed: the rollout pauses.</summary>
    Failed,

    /// <summary>An administrator resumed past this device's failure: it no longer holds the stage.</summary>
    Waived,
}

/// <summary>A verdict and its reason (names the device, the figure and the bound).</summary>
/// <param name="Verdict">The verdict.</param>
/// <param name="Reason">Why; empty when passed.</param>
public sealed record GateResult(GateVerdict Verdict, string Reason)
{
    /// <summary>As the API shows it: <c>ok</c>, <c>waived</c>, <c>waiting: …</c> or <c>failed: …</c>.</summary>
    public string Text => Verdict switch
    {
        GateVerdict.Passed => "ok",
        GateVerdict.Waived => "waived",
        GateVerdict.Waiting => $"waiting: {Reason}",
        _ => $"failed: {Reason}",
    };
}

/// <summary>
/// The health gates of a rollout (pure: the driver reads the rows, the heartbeats and the clock). A device passes when it
/// reports the new model active, has not restarted more than allowed since it was sent the model, and its newest heartbeat
/// since then shows an inference p95 and a frame rate within the bounds of what it did under the previous model. A stage
/// passes when every device in it passes for the whole soak.
/// </summary>
public static class RolloutGate
{
    /// <summary>Inference p95 of a heartbeat: the worst camera analysing frames; null when none does.</summary>
    public static double? P95(HealthMessage? health) =>
        Analysing(health) is { Count: > 0 } cameras ? cameras.Max(c => c.InferenceMsP95) : null;

    /// <summary>Frame rate of a heartbeat: the sum over cameras analysing frames; null when none does.</summary>
    public static double? Fps(HealthMessage? health) =>
        Analysing(health) is { Count: > 0 } cameras ? cameras.Sum(c => c.Fps) : null;

    /// <summary>The gate of one device whose stage has started.</summary>
    public static GateResult Device(RolloutDeviceRow device, HealthMessage? health, RolloutGates gates)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(gates);
        if (device.Waived)
        {
            return new(GateVerdict.Waived, string.Empty);
        }

        if (device.AssignedAt is null)
        {
            return new(GateVerdict.Waiting, "model not sent yet");
        }

        if (device.State is "failed" or "rolled-back")
        {
            return new(GateVerdict.Failed, $"{device.DeviceId} reported {device.State}: {device.Reason ?? "no reason given"}");
        }

        if (device.Restarts > gates.MaxRestarts)
        {
            return new(GateVerdict.Failed, $"{device.DeviceId} is in a crash loop: {device.Restarts.ToString(CultureInfo.InvariantCulture)} restarts since the update (at most {gates.MaxRestarts.ToString(CultureInfo.InvariantCulture)})");
        }

        if (device.State != "active" || device.ActiveAt is not { } activeAt)
        {
            return new(GateVerdict.Waiting, $"{device.DeviceId} reports {device.State}");
        }

        if (device.BaselineP95 is null && device.BaselineFps is null)
        {
            return new(GateVerdict.Passed, string.Empty);
        }

        if (health is null || health.SentAt <= activeAt)
        {
            return new(GateVerdict.Waiting, $"{device.DeviceId}: no heartbeat since the new model became active");
        }

        if (device.BaselineP95 is { } baseP95 && baseP95 > 0 && P95(health) is { } p95 && p95 > baseP95 * (1 + gates.MaxP95Increase))
        {
            return new(GateVerdict.Failed, $"{device.DeviceId}: inference p95 {F(p95)} ms against {F(baseP95)} ms under the previous model (+{Pct(p95 / baseP95 - 1)}, at most +{Pct(gates.MaxP95Increase)})");
        }

        if (device.BaselineFps is { } baseFps && baseFps > 0 && Fps(health) is var fps && (fps ?? 0) < baseFps * (1 - gates.MaxFpsDrop))
        {
            return new(GateVerdict.Failed, $"{device.DeviceId}: {F(fps ?? 0)} frames/s against {F(baseFps)} under the previous model (−{Pct(1 - (fps ?? 0) / baseFps)}, at most −{Pct(gates.MaxFpsDrop)})");
        }

        return new(GateVerdict.Passed, string.Empty);
    }

    /// <summary>
    /// The gate of the current stage: failed as soon as one device fails; passed when every device passes (or is waived)
    /// and the soak has run since the later of <paramref name="gateSince"/> and the last device's activation; failed when
    /// it has not passed <see cref="RolloutGates.StageTimeoutMinutes"/> after <paramref name="stageStartedAt"/>.
    /// </summary>
    public static GateResult Stage(
        string stageName, IReadOnlyList<(RolloutDeviceRow Device, GateResult Gate)> devices, RolloutGates gates,
        DateTimeOffset stageStartedAt, DateTimeOffset gateSince, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(gates);
        if (devices.FirstOrDefault(d => d.Gate.Verdict == GateVerdict.Failed) is { Device: not null } failed)
        {
            return new(GateVerdict.Failed, $"{stageName}: {failed.Gate.Reason}");
        }

        var waiting = devices.FirstOrDefault(d => d.Gate.Verdict == GateVerdict.Waiting);
        if (waiting.Device is null)
        {
            var soakFrom = devices.Where(d => d.Gate.Verdict == GateVerdict.Passed && d.Device.ActiveAt is not null)
                .Select(d => d.Device.ActiveAt!.Value).Append(gateSince).Max();
            var soakEnds = soakFrom + TimeSpan.FromMinutes(gates.SoakMinutes);
            if (now >= soakEnds)
            {
                return new(GateVerdict.Passed, string.Empty);
            }

            waiting = (null!, new(GateVerdict.Waiting, $"soaking until {soakEnds.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)}"));
        }

        return now >= stageStartedAt + TimeSpan.FromMinutes(gates.StageTimeoutMinutes)
            ? new(GateVerdict.Failed, $"{stageName} did not pass within {F(gates.StageTimeoutMinutes)} min: {waiting.Gate.Reason}")
            : new(GateVerdict.Waiting, waiting.Gate.Reason);
    }

    private static List<CameraHealth>? Analysing(HealthMessage? health) =>
        health?.Cameras.Where(c => c.Online && c.Suspended != true).ToList();

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Pct(double fraction) => (fraction * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %";
}
