using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.DeviceConfigs;

/// <summary>What a device said it runs, as far as drift is concerned.</summary>
/// <param name="Source">Local files or the fleet's configuration.</param>
/// <param name="AppliedVersion">Desired version it runs, null on local files.</param>
/// <param name="LastReceivedVersion">Newest desired version it received.</param>
/// <param name="Status">What became of that version.</param>
/// <param name="Errors">Why it was rejected.</param>
public sealed record ReportedState(ConfigSource Source, long? AppliedVersion, long? LastReceivedVersion, ConfigApplyStatus Status, IReadOnlyList<string> Errors)
{
    /// <summary>The state of a report.</summary>
    public static ReportedState Of(ReportedConfigMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new(message.Source, message.AppliedVersion, message.LastReceivedVersion, message.Status, message.Errors ?? []);
    }
}

/// <summary>Drift: a desired configuration exists and the device does not run it. Pure.</summary>
public static class ConfigDrift
{
    /// <summary>Whether there is drift, and why (one line per reason).</summary>
    public static (bool Drift, IReadOnlyList<string> Reasons) Compute(long? desiredVersion, ReportedState? reported)
    {
        if (desiredVersion is not { } desired)
        {
            // Nothing asked: whatever the device runs (its local files) is what it should run.
            return (false, []);
        }

        if (reported is null)
        {
            return (true, [$"not reported: the device has not published config/reported (desired version {desired})"]);
        }

        var reasons = new List<string>();
        if (reported.Status == ConfigApplyStatus.Rejected)
        {
            var version = reported.LastReceivedVersion is { } v ? $"version {v}" : "the desired configuration";
            reasons.Add($"rejected {version}: {(reported.Errors.Count == 0 ? "no reason given" : string.Join("; ", reported.Errors))}");
        }

        if (reported.AppliedVersion != desired)
        {
            reasons.Add(reported.AppliedVersion is { } applied
                ? $"runs version {applied}, desired version {desired}"
                : $"runs its local configuration ({(reported.Source == ConfigSource.Local ? "camera files" : "no fleet version")}), desired version {desired}");
        }

        return (reasons.Count > 0, reasons);
    }

    /// <summary>Only the flag, for the device list.</summary>
    public static bool IsDrift(long? desiredVersion, long? appliedVersion, ConfigApplyStatus? status, bool reported) =>
        desiredVersion is not null && (!reported || appliedVersion != desiredVersion || status == ConfigApplyStatus.Rejected);
}
