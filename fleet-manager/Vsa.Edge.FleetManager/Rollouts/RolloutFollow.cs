using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.ModelUpdates;

namespace Vsa.Edge.FleetManager.Rollouts;

/// <summary>
/// The model-update ports a rollout works through (implemented by the fleet's model delivery): optional here, so that a
/// fleet manager built without model delivery still starts; rollouts are then refused with the reason.
/// </summary>
public sealed class RolloutPorts(IEnumerable<IModelAssigner> assigners, IEnumerable<IModelReports> reports)
{
    /// <summary>The registered assigner (the last registration wins, as with any singleton), or null.</summary>
    public IModelAssigner? Assigner { get; } = assigners.LastOrDefault();

    /// <summary>The registered reports, or null.</summary>
    public IModelReports? Reports { get; } = reports.LastOrDefault();

    /// <summary>Whether both ports are registered.</summary>
    public bool Available => Assigner is not null && Reports is not null;
}

/// <summary>How a device's row follows what the device reports (pure).</summary>
public static class RolloutFollow
{
    /// <summary>
    /// The row after the device's newest model report and status: its state is the state the device reports for this
    /// package (or <c>active</c> once it runs it with no update pending); the first time it serves the new model is kept as
    /// the activation time; every new status since the assignment that shows a restart (an offline, or an online after an
    /// online) counts as one restart. Rows not assigned yet, closed or being restored are left as they are.
    /// </summary>
    public static RolloutDeviceRow Refresh(RolloutDeviceRow row, RolloutRow rollout, ModelReportedMessage? report, DeviceSignals? signals, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(rollout);
        if (row.AssignedAt is null || !row.Open || row.State == "restoring")
        {
            return row;
        }

        var next = row;
        var slot = report?.Models.FirstOrDefault(m => m.Kind == rollout.Kind);
        string? state = null;
        string? reason = null;
        if (slot?.Update is { } update && update.Sha256 == rollout.Package)
        {
            (state, reason) = (Name(update.State), update.Reason);
        }
        else if (slot is not null && slot.ActiveSha256 == rollout.Package)
        {
            state = "active";
        }

        if (state is not null && (state != row.State || reason != row.Reason))
        {
            next = next with { State = state, Reason = reason, StateAt = now };
        }

        if (next.ActiveAt is null && next.State is "soaking" or "active")
        {
            next = next with { ActiveAt = now };
        }

        if (signals?.StatusAt is { } at && at != row.StatusAt && at > row.AssignedAt)
        {
            var restart = signals.Status == "offline" || (signals.Status == "online" && row.Status == "online");
            next = next with { Status = signals.Status, StatusAt = at, Restarts = row.Restarts + (restart ? 1 : 0) };
        }

        return next;
    }

    /// <summary>The wire name of an update state.</summary>
    public static string Name(ModelUpdateState state) => state switch
    {
        ModelUpdateState.Pending => "pending",
        ModelUpdateState.Downloading => "downloading",
        ModelUpdateState.Verifying => "verifying",
        ModelUpdateState.Validating => "validating",
        ModelUpdateState.Soaking => "soaking",
        ModelUpdateState.Active => "active",
        ModelUpdateState.RolledBack => "rolled-back",
        ModelUpdateState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}
