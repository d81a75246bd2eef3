using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Audit;

namespace Vsa.Edge.FleetManager.Storage;

/// <summary>What one purge removed.</summary>
/// <param name="At">When it ran (fleet clock).</param>
/// <param name="AlertCutoff">Alerts last changed before this were removed.</param>
/// <param name="HealthCutoff">Heartbeats received before this were removed.</param>
/// <param name="Alerts">Alerts removed.</param>
/// <param name="AlertMessages">Alert messages removed.</param>
/// <param name="Heartbeats">Heartbeats removed.</param>
/// <param name="DeadLetters">Refused messages removed from the ingestion's dead letters.</param>
public sealed record PurgeReport(DateTimeOffset At, DateTimeOffset AlertCutoff, DateTimeOffset HealthCutoff, int Alerts, int AlertMessages, int Heartbeats, int DeadLetters = 0);

/// <summary>Deletes what is older than <see cref="RetentionOptions"/> allows, in one transaction, and records it in the audit log.</summary>
public sealed class RetentionPurger(FleetDatabase database, IAuditLog audit, IOptions<RetentionOptions> options)
{
    /// <summary>Actor of the purge's audit entries.</summary>
    public const string Actor = "system:retention";

    /// <summary>Purges as of <paramref name="now"/>.</summary>
    public Task<PurgeReport> PurgeAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var settings = options.Value;
            var alertCutoff = now.AddDays(-settings.AlertsDays);
            var healthCutoff = now.AddDays(-settings.HealthDays);

            // A decided alert is kept until its decision is as old as the limit too: the decision is part of the record.
            var alerts = await DeleteAsync(connection, transaction, "DELETE FROM alerts WHERE updated_at < @cutoff AND (decided_at IS NULL OR decided_at < @cutoff);", alertCutoff, cancellationToken);
            var messages = await DeleteAsync(connection, transaction, "DELETE FROM alert_messages WHERE received_at < @cutoff AND alert_id NOT IN (SELECT alert_id FROM alerts);", alertCutoff, cancellationToken);
            var heartbeats = await DeleteAsync(connection, transaction, "DELETE FROM device_health WHERE received_at < @cutoff;", healthCutoff, cancellationToken);
            var deadLetters = await DeleteAsync(connection, transaction, "DELETE FROM ingestion_dead_letters WHERE received_at < @cutoff;", now.AddDays(-settings.DeadLetterDays), cancellationToken);
            var report = new PurgeReport(now, alertCutoff, healthCutoff, alerts, messages, heartbeats, deadLetters);
            if (alerts + messages + heartbeats > 0)
            {
                await audit.AppendAsync(connection, transaction, new AuditEvent(Actor, AuditActions.RetentionPurge, string.Empty, new JsonObject
                {
                    ["alerts"] = alerts,
                    ["alertMessages"] = messages,
                    ["heartbeats"] = heartbeats,
                    ["alertCutoff"] = alertCutoff.ToString("O", CultureInfo.InvariantCulture),
                    ["healthCutoff"] = healthCutoff.ToString("O", CultureInfo.InvariantCulture),
                }), cancellationToken);
            }

            return report;
        }, cancellationToken);

    private async Task<int> DeleteAsync(DbConnection connection, DbTransaction transaction, string sql, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, sql);
        database.Dialect.AddTime(command, "@cutoff", cutoff);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>
/// Runs the purge at start and then every <see cref="RetentionOptions.Interval"/> on the injected clock (a
/// <see cref="PeriodicTimer"/> on <see cref="TimeProvider"/>, so tests drive it with a fake clock). A failed purge is logged and
/// tried again at the next tick.
/// </summary>
public sealed partial class RetentionService(RetentionPurger purger, IOptions<RetentionOptions> options, TimeProvider timeProvider, ILogger<RetentionService> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly List<(long Runs, TaskCompletionSource<PurgeReport> Signal)> _waiters = [];
    private long _runs;
    private PurgeReport? _last;

    /// <summary>Purges completed since start (successful or not).</summary>
    public long Runs
    {
        get
        {
            lock (_gate)
            {
                return _runs;
            }
        }
    }

    /// <summary>
    /// Completes with the report of the <paramref name="run"/>-th purge (1-based) once it has run, or with the latest report
    /// when that run is already over.
    /// </summary>
    public Task<PurgeReport> WaitForRunAsync(long run, CancellationToken cancellationToken)
    {
        var signal = new TaskCompletionSource<PurgeReport>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_runs >= run && _last is { } last)
            {
                return Task.FromResult(last);
            }

            _waiters.Add((run, signal));
        }

        return signal.Task.WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, timeProvider);
        try
        {
            do
            {
                await RunOnceAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RunOnceAsync(CancellationToken stoppingToken)
    {
        PurgeReport? report = null;
        try
        {
            report = await purger.PurgeAsync(timeProvider.GetUtcNow(), stoppingToken);
            if (report.Alerts + report.AlertMessages + report.Heartbeats + report.DeadLetters > 0)
            {
                LogPurged(logger, report.Alerts, report.AlertMessages, report.Heartbeats, report.DeadLetters);
            }
        }
        catch (DbException ex)
        {
            LogFailed(logger, ex);
        }

        lock (_gate)
        {
            var run = ++_runs;
            _last = report ?? _last;
            foreach (var waiter in _waiters.Where(w => w.Runs <= run).ToList())
            {
                _waiters.Remove(waiter);
                if (report is null)
                {
                    waiter.Signal.TrySetException(new InvalidOperationException("The purge failed; see the log."));
                }
                else
                {
                    waiter.Signal.TrySetResult(report);
                }
            }
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Retention purge removed {Alerts} alerts, {Messages} alert messages, {Heartbeats} heartbeats and {DeadLetters} dead letters")]
    private static partial void LogPurged(ILogger logger, int alerts, int messages, int heartbeats, int deadLetters);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Retention purge failed; it runs again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
