using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Rollouts;

/// <summary>
/// Moves the open rollouts on from what is stored: sends the model to the devices of a stage that starts, follows each
/// device's model reports, heartbeats and statuses, applies the gates, pauses with the reason on a failure, moves to the next
/// stage once one passes, and gives aborted rollouts' devices their previous model back. Everything it knows is in the
/// database, so a restarted fleet manager goes on where it stopped. Passes never overlap: API actions run under the same lock.
/// </summary>
public sealed partial class RolloutDriver(
    FleetDatabase database, RolloutStore store, RolloutPorts ports, IAuditLog audit, IOptions<RolloutOptions> options,
    TimeProvider timeProvider, ILogger<RolloutDriver> logger) : BackgroundService
{
    /// <summary>The audit actor of what the driver decides itself (an automatic pause).</summary>
    public const string Actor = "fleet:rollouts";

    private readonly SemaphoreSlim _exclusive = new(1, 1);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _passLock = new();
    private readonly List<(long Target, TaskCompletionSource Done)> _waiters = [];
    private long _started;
    private long _completed;

    /// <summary>Asks for a pass soon (after an API action, or from the timer).</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Completes when a pass that starts after this call has finished (tests and tools wait on it).</summary>
    public Task NextPassAsync()
    {
        lock (_passLock)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((_started + 1, done));
            return done.Task;
        }
    }

    /// <summary>Runs <paramref name="work"/> with no pass running at the same time.</summary>
    public async Task<T> ExclusiveAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        await _exclusive.WaitAsync(cancellationToken);
        try
        {
            return await work();
        }
        finally
        {
            _exclusive.Release();
        }
    }

    /// <summary>One pass over every rollout with work left.</summary>
    public async Task PassAsync(CancellationToken cancellationToken)
    {
        await _exclusive.WaitAsync(cancellationToken);
        lock (_passLock)
        {
            _started++;
        }

        try
        {
            if (ports.Available)
            {
                foreach (var id in await store.WorkAsync(cancellationToken))
                {
                    await StepAsync(id, cancellationToken);
                }
            }
        }
        finally
        {
            _exclusive.Release();
            lock (_passLock)
            {
                _completed++;
                foreach (var waiter in _waiters.Where(w => w.Target <= _completed).ToList())
                {
                    _waiters.Remove(waiter);
                    waiter.Done.TrySetResult();
                }
            }
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.IntervalSeconds);
        await using var timer = timeProvider.CreateTimer(_ => Wake(), null, interval, interval);
        Wake();
        while (await _wake.Reader.WaitToReadAsync(stoppingToken))
        {
            _wake.Reader.TryRead(out _);
            try
            {
                await PassAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // A database or broker outage must not stop the fleet manager: the next pass tries again from the stored state.
                LogPassFailed(logger, e);
            }
        }
    }

    private async Task StepAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rollout = await store.FindAsync(connection, null, id, cancellationToken);
        if (rollout is null)
        {
            return;
        }

        var devices = (await store.DevicesAsync(connection, null, id, cancellationToken)).ToList();
        if (rollout.Status == RolloutStatus.Aborted)
        {
            await RestoreAsync(connection, rollout, devices, cancellationToken);
            return;
        }

        var now = timeProvider.GetUtcNow();
        var signals = await store.SignalsAsync(connection, id, cancellationToken);
        var reports = await ports.Reports!.LatestAsync([.. devices.Where(d => d.AssignedAt is not null).Select(d => d.DeviceId)], cancellationToken);
        for (var i = 0; i < devices.Count; i++)
        {
            var refreshed = RolloutFollow.Refresh(devices[i], rollout, reports.GetValueOrDefault(devices[i].DeviceId), signals.GetValueOrDefault(devices[i].DeviceId), now);
            if (refreshed != devices[i])
            {
                await store.UpdateAsync(connection, null, refreshed, cancellationToken);
                devices[i] = refreshed;
            }
        }

        while (rollout.Status == RolloutStatus.Running && rollout.Stage < rollout.Stages.Count)
        {
            if (rollout.StageStartedAt is null)
            {
                rollout = await StartStageAsync(connection, rollout, devices, signals, now, cancellationToken);
            }

            var stageDevices = devices.Where(d => d.Stage == rollout.Stage)
                .Select(d => (d, RolloutGate.Device(d, signals.GetValueOrDefault(d.DeviceId)?.Health, rollout.Gates))).ToList();
            var gate = RolloutGate.Stage(rollout.Stages[rollout.Stage].Name, stageDevices, rollout.Gates, rollout.StageStartedAt!.Value, rollout.GateSince ?? rollout.StageStartedAt.Value, now);
            if (gate.Verdict == GateVerdict.Waiting)
            {
                return;
            }

            if (gate.Verdict == GateVerdict.Failed)
            {
                var paused = rollout with { Status = RolloutStatus.Paused, Reason = gate.Reason, UpdatedAt = now };
                await database.InTransactionAsync(async (c, t) =>
                {
                    await store.UpdateAsync(c, t, paused, cancellationToken);
                    return await audit.AppendAsync(c, t, new AuditEvent(Actor, RolloutService.PauseAction, Target(id), new JsonObject { ["reason"] = gate.Reason, ["stage"] = rollout.Stages[rollout.Stage].Name }), cancellationToken);
                }, cancellationToken);
                LogPaused(logger, id, gate.Reason);
                return;
            }

            rollout = await AdvanceAsync(connection, rollout, devices, "passed", now, cancellationToken);
        }
    }

    /// <summary>Ends the current stage with <paramref name="outcome"/> and moves to the next one (or completes the rollout).</summary>
    internal async Task<RolloutRow> AdvanceAsync(System.Data.Common.DbConnection connection, RolloutRow rollout, List<RolloutDeviceRow> devices, string outcome, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stages = rollout.Stages.ToArray();
        stages[rollout.Stage] = stages[rollout.Stage] with { EndedAt = now, Outcome = outcome };
        var next = rollout.Stage + 1;
        var completed = next >= stages.Length;
        var advanced = rollout with
        {
            Stages = stages, Stage = next, Status = completed ? RolloutStatus.Completed : RolloutStatus.Running,
            StageStartedAt = null, GateSince = null, Reason = null, UpdatedAt = now,
        };
        await store.UpdateAsync(connection, null, advanced, cancellationToken);
        if (completed)
        {
            for (var i = 0; i < devices.Count; i++)
            {
                devices[i] = devices[i] with { Open = false };
                await store.UpdateAsync(connection, null, devices[i], cancellationToken);
            }
        }

        LogStage(logger, rollout.Id, rollout.Stages[rollout.Stage].Name, outcome);
        return advanced;
    }

    private async Task<RolloutRow> StartStageAsync(
        System.Data.Common.DbConnection connection, RolloutRow rollout, List<RolloutDeviceRow> devices, IReadOnlyDictionary<string, DeviceSignals> signals,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var queued = devices.Where(d => d.Stage == rollout.Stage && d.AssignedAt is null).Select(d => d.DeviceId).ToArray();
        var before = await ports.Reports!.LatestAsync(queued, cancellationToken);
        for (var i = 0; i < devices.Count; i++)
        {
            var device = devices[i];
            if (device.Stage != rollout.Stage || device.AssignedAt is not null)
            {
                continue;
            }

            var slot = before.GetValueOrDefault(device.DeviceId)?.Models.FirstOrDefault(m => m.Kind == rollout.Kind);
            var signal = signals.GetValueOrDefault(device.DeviceId);
            var assignment = await ports.Assigner!.AssignAsync(device.DeviceId, rollout.Package, Target(rollout.Id), Target(rollout.Id), cancellationToken);
            devices[i] = device with
            {
                State = assignment.Accepted ? "pending" : "failed",
                Reason = assignment.Accepted ? null : $"refused by the fleet: {assignment.Reason}",
                PreviousSha256 = slot?.ActiveSha256,
                PreviousVersion = slot?.ActiveVersion ?? DesiredModel.FactoryVersion,
                BaselineP95 = RolloutGate.P95(signal?.Health),
                BaselineFps = RolloutGate.Fps(signal?.Health),
                AssignedAt = now, StateAt = now, Status = signal?.Status, StatusAt = signal?.StatusAt,
            };
            await store.UpdateAsync(connection, null, devices[i], cancellationToken);
        }

        var stages = rollout.Stages.ToArray();
        stages[rollout.Stage] = stages[rollout.Stage] with { StartedAt = now };
        var started = rollout with { Stages = stages, StageStartedAt = now, GateSince = now, UpdatedAt = now };
        await store.UpdateAsync(connection, null, started, cancellationToken);
        LogStageStarted(logger, rollout.Id, stages[rollout.Stage].Name, queued.Length);
        return started;
    }

    private async Task RestoreAsync(System.Data.Common.DbConnection connection, RolloutRow rollout, List<RolloutDeviceRow> devices, CancellationToken cancellationToken)
    {
        foreach (var device in devices.Where(d => d.State == "restoring"))
        {
            var back = device.PreviousSha256 is null
                ? await ports.Assigner!.AssignFactoryAsync(device.DeviceId, rollout.Kind, Target(rollout.Id), Actor, cancellationToken)
                : await ports.Assigner!.AssignAsync(device.DeviceId, device.PreviousSha256, Target(rollout.Id), Actor, cancellationToken);
            var restored = device with
            {
                State = back.Accepted ? "restored" : "restore-refused",
                Reason = back.Accepted ? $"given back {device.PreviousVersion ?? DesiredModel.FactoryVersion}" : $"could not give back {device.PreviousVersion}: {back.Reason}",
                StateAt = timeProvider.GetUtcNow(),
            };
            await store.UpdateAsync(connection, null, restored, cancellationToken);
            LogRestored(logger, rollout.Id, device.DeviceId, restored.Reason!);
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _exclusive.Dispose();
        base.Dispose();
    }

    /// <summary>The rollout as named in audit targets and in <see cref="DesiredModel.RolloutId"/>.</summary>
    public static string Target(long id) => $"rollout:{id.ToString(CultureInfo.InvariantCulture)}";

    [LoggerMessage(EventId = 12500, Level = LogLevel.Warning, Message = "Rollout pass failed; the next pass retries from the stored state")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 12501, Level = LogLevel.Warning, Message = "Rollout {RolloutId} paused: {Reason}")]
    private static partial void LogPaused(ILogger logger, long rolloutId, string reason);

    [LoggerMessage(EventId = 12502, Level = LogLevel.Information, Message = "Rollout {RolloutId}: stage {Stage} {Outcome}")]
    private static partial void LogStage(ILogger logger, long rolloutId, string stage, string outcome);

    [LoggerMessage(EventId = 12503, Level = LogLevel.Information, Message = "Rollout {RolloutId}: stage {Stage} started, model sent to {Devices} devices")]
    private static partial void LogStageStarted(ILogger logger, long rolloutId, string stage, int devices);

    [LoggerMessage(EventId = 12504, Level = LogLevel.Information, Message = "Rollout {RolloutId} aborted: {DeviceId} {Outcome}")]
    private static partial void LogRestored(ILogger logger, long rolloutId, string deviceId, string outcome);
}
