using System.Text.Json.Nodes;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Suspensions;

namespace Vsa.Edge.FleetManager.Rollouts;

/// <summary>What became of an administrator's request on rollouts.</summary>
public enum RolloutOutcome
{
    /// <summary>Done.</summary>
    Done,

    /// <summary>The target, a device or the package was refused; <see cref="RolloutResult.Problems"/> says why.</summary>
    Refused,

    /// <summary>Devices of the target are already in an open rollout.</summary>
    Conflict,

    /// <summary>No such rollout.</summary>
    NotFound,

    /// <summary>The rollout's status does not allow it (e.g. resuming a completed rollout).</summary>
    WrongStatus,

    /// <summary>The fleet has no model delivery (the ports are not registered).</summary>
    Unavailable,
}

/// <summary>A result: the rollout after the change, or why not.</summary>
/// <param name="Outcome">What became of the request.</param>
/// <param name="Rollout">The rollout after it, when there is one.</param>
/// <param name="Problems">Why it was refused, one line per device or field.</param>
public sealed record RolloutResult(RolloutOutcome Outcome, RolloutView? Rollout, IReadOnlyList<string> Problems);

/// <summary>
/// What administrators do with rollouts: start one (after checking every target with <c>IModelAssigner.CheckAsync</c>),
/// pause, resume, promote and abort it. Each change and its audit entry commit together, under the driver's lock, then the
/// driver runs a pass at once (the canary is sent before the start returns; an abort's devices are given their model back).
/// </summary>
public sealed class RolloutService(FleetDatabase database, RolloutStore store, RolloutDriver driver, RolloutPorts ports, RolloutViews views, IAuditLog audit, TimeProvider timeProvider)
{
    /// <summary>Audit action of a start.</summary>
    public const string StartAction = "rollout.start";

    /// <summary>Audit action of a pause (by an administrator or by a failed gate).</summary>
    public const string PauseAction = "rollout.pause";

    /// <summary>Audit action of a resumption.</summary>
    public const string ResumeAction = "rollout.resume";

    /// <summary>Audit action of a promotion.</summary>
    public const string PromoteAction = "rollout.promote";

    /// <summary>Audit action of an abort.</summary>
    public const string AbortAction = "rollout.abort";

    /// <summary>Starts a rollout of <paramref name="rollout"/>, by <paramref name="actor"/>.</summary>
    public async Task<RolloutResult> StartAsync(ValidRollout rollout, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        if (!ports.Available)
        {
            return new(RolloutOutcome.Unavailable, null, ["This fleet manager has no model delivery: no rollout can be sent."]);
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var known = await SuspensionStore.KnownDevicesAsync(connection, null, cancellationToken);
        IReadOnlyList<string> targets = rollout.All ? [.. known.Select(k => k.DeviceId)]
            : rollout.Site is { } site ? [.. known.Where(k => k.Site == site).Select(k => k.DeviceId)]
            : rollout.Devices!;
        var unknown = targets.Except(known.Select(k => k.DeviceId), StringComparer.Ordinal).ToArray();
        if (unknown.Length > 0)
        {
            return new(RolloutOutcome.Refused, null, [.. unknown.Select(d => $"{d}: the fleet knows no such device.")]);
        }

        if (targets.Count == 0)
        {
            return new(RolloutOutcome.Refused, null, [$"The target {rollout.Target} names no device."]);
        }

        if (rollout.Canary?.Except(targets, StringComparer.Ordinal).ToArray() is { Length: > 0 } outside)
        {
            return new(RolloutOutcome.Refused, null, [.. outside.Select(d => $"{d}: named as canary but not in the target {rollout.Target}.")]);
        }

        var refusals = new List<string>();
        foreach (var deviceId in targets)
        {
            var check = await ports.Assigner!.CheckAsync(deviceId, rollout.Package, cancellationToken);
            if (!check.Accepted)
            {
                refusals.Add($"{deviceId}: {check.Reason}");
            }
        }

        if (refusals.Count > 0)
        {
            return new(RolloutOutcome.Refused, null, refusals);
        }

        var (stages, devices) = RolloutPlanner.Split(targets, rollout);
        var now = timeProvider.GetUtcNow();
        var (id, conflicts) = await driver.ExclusiveAsync(() => database.InTransactionAsync(async (c, t) =>
        {
            var busy = await RolloutStore.OpenConflictsAsync(c, t, targets, cancellationToken);
            if (busy.Count > 0)
            {
                return (0L, busy);
            }

            var stored = await store.InsertAsync(c, t, rollout, stages, devices, actor, now, cancellationToken);
            await audit.AppendAsync(c, t, new AuditEvent(actor, StartAction, RolloutDriver.Target(stored), new JsonObject
            {
                ["package"] = rollout.Package,
                ["kind"] = rollout.Kind,
                ["target"] = rollout.Target,
                ["devices"] = targets.Count,
                ["stages"] = new JsonArray([.. stages.Select(s => (JsonNode)JsonValue.Create($"{s.Name}: {s.Devices} ({s.Percent} %)"))]),
                ["soakMinutes"] = rollout.Gates.SoakMinutes,
                ["maxP95Increase"] = rollout.Gates.MaxP95Increase,
                ["maxFpsDrop"] = rollout.Gates.MaxFpsDrop,
                ["maxRestarts"] = rollout.Gates.MaxRestarts,
            }), cancellationToken);
            return (stored, busy);
        }, cancellationToken), cancellationToken);
        if (conflicts.Count > 0)
        {
            return new(RolloutOutcome.Conflict, null, [.. conflicts.Select(x => $"{x.DeviceId} is in open rollout {x.RolloutId}.")]);
        }

        await driver.PassAsync(cancellationToken);
        return new(RolloutOutcome.Done, await views.GetAsync(id, cancellationToken), []);
    }

    /// <summary>Pauses a running rollout.</summary>
    public Task<RolloutResult> PauseAsync(long id, string? reason, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, PauseAction, reason, actor, [RolloutStatus.Running], (r, _, now) =>
            r with { Status = RolloutStatus.Paused, Reason = $"paused by {actor}{(reason is null ? string.Empty : $": {reason}")}", UpdatedAt = now }, cancellationToken);

    /// <summary>
    /// Resumes a paused rollout: the devices of the current stage that fail a gate now are waived (they no longer hold the
    /// stage; the audit entry names them), and the soak and the stage's time limit start again.
    /// </summary>
    public Task<RolloutResult> ResumeAsync(long id, string? reason, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, ResumeAction, reason, actor, [RolloutStatus.Paused], (r, _, now) =>
            r with { Status = RolloutStatus.Running, Reason = null, StageStartedAt = r.StageStartedAt is null ? null : now, GateSince = r.StageStartedAt is null ? null : now, UpdatedAt = now },
            cancellationToken, waiveFailing: true);

    /// <summary>Ends the current stage as promoted and moves to the next (the rollout runs again if it was paused).</summary>
    public Task<RolloutResult> PromoteAsync(long id, string? reason, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, PromoteAction, reason, actor, [RolloutStatus.Running, RolloutStatus.Paused], (r, _, _) => r, cancellationToken, promote: true);

    /// <summary>Aborts: every device that was sent the model is given back the model it ran before (its version, or factory).</summary>
    public Task<RolloutResult> AbortAsync(long id, string? reason, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, AbortAction, reason, actor, [RolloutStatus.Running, RolloutStatus.Paused], (r, _, now) =>
        {
            var stages = r.Stages.ToArray();
            if (r.Stage < stages.Length)
            {
                stages[r.Stage] = stages[r.Stage] with { EndedAt = now, Outcome = "aborted" };
            }

            return r with { Status = RolloutStatus.Aborted, Stages = stages, Reason = $"aborted by {actor}{(reason is null ? string.Empty : $": {reason}")}", UpdatedAt = now };
        }, cancellationToken, abort: true);

    private async Task<RolloutResult> ChangeAsync(
        long id, string action, string? reason, string actor, RolloutStatus[] allowed, Func<RolloutRow, List<RolloutDeviceRow>, DateTimeOffset, RolloutRow> change,
        CancellationToken cancellationToken, bool waiveFailing = false, bool promote = false, bool abort = false)
    {
        var outcome = await driver.ExclusiveAsync(async () =>
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            var rollout = await store.FindAsync(connection, null, id, cancellationToken);
            if (rollout is null)
            {
                return (RolloutOutcome.NotFound, (string?)null);
            }

            if (!allowed.Contains(rollout.Status))
            {
                return (RolloutOutcome.WrongStatus, $"Rollout {id} is {RolloutStore.StatusName(rollout.Status)}.");
            }

            var now = timeProvider.GetUtcNow();
            var devices = (await store.DevicesAsync(connection, null, id, cancellationToken)).ToList();
            var signals = await store.SignalsAsync(connection, id, cancellationToken);
            var touched = new JsonArray();
            if (promote)
            {
                await driver.AdvanceAsync(connection, rollout, devices, "promoted", now, cancellationToken);
                rollout = (await store.FindAsync(connection, null, id, cancellationToken))!;
            }

            var changed = change(rollout, devices, now);
            await database.InTransactionAsync(async (c, t) =>
            {
                for (var i = 0; i < devices.Count; i++)
                {
                    var d = devices[i];
                    var next = d;
                    if (waiveFailing && d.Stage == rollout.Stage && RolloutGate.Device(d, signals.GetValueOrDefault(d.DeviceId)?.Health, rollout.Gates).Verdict == GateVerdict.Failed)
                    {
                        next = d with { Waived = true };
                    }
                    else if (abort)
                    {
                        next = d with { Open = false, State = d.AssignedAt is null ? d.State : "restoring", StateAt = d.AssignedAt is null ? d.StateAt : now };
                    }

                    if (next != d)
                    {
                        await store.UpdateAsync(c, t, next, cancellationToken);
                        if (next.State != d.State || next.Waived != d.Waived)
                        {
                            touched.Add((JsonNode)JsonValue.Create(d.DeviceId));
                        }
                    }
                }

                await store.UpdateAsync(c, t, changed, cancellationToken);
                return await audit.AppendAsync(c, t, new AuditEvent(actor, action, RolloutDriver.Target(id), new JsonObject
                {
                    ["reason"] = reason,
                    ["status"] = RolloutStore.StatusName(changed.Status),
                    ["stage"] = changed.Stage < changed.Stages.Count ? changed.Stages[changed.Stage].Name : "done",
                    [abort ? "restoring" : "waived"] = touched,
                }), cancellationToken);
            }, cancellationToken);
            return (RolloutOutcome.Done, (string?)null);
        }, cancellationToken);

        if (outcome.Item1 != RolloutOutcome.Done)
        {
            return new(outcome.Item1, null, outcome.Item2 is null ? [] : [outcome.Item2]);
        }

        await driver.PassAsync(cancellationToken);
        return new(RolloutOutcome.Done, await views.GetAsync(id, cancellationToken), []);
    }
}
