using System.Data.Common;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Metrics;

/// <summary>
/// Every <see cref="MetricsOptions.SampleInterval"/>, reads from the database what the metrics show as gauges (devices online
/// and known, alerts pending decision, certificates needing attention) and logs the certificate warnings
/// (<see cref="CertificateWatch"/>). One small query each: the figures are as fresh as the interval, not the scrape.
/// </summary>
public sealed partial class FleetMetricsSampler(
    FleetDatabase database,
    FleetMetrics metrics,
    CertificateWatch certificates,
    IOptions<MetricsOptions> options,
    TimeProvider time,
    ILogger<FleetMetricsSampler> logger) : BackgroundService
{
    private TaskCompletionSource _sampled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes after the next sample (tests, with a fake clock).</summary>
    public Task NextSample => Volatile.Read(ref _sampled).Task;

    /// <summary>Takes one sample now.</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        long online, known, pending;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            online = await CountAsync(connection, "SELECT COUNT(*) FROM devices WHERE status = 'online';", cancellationToken);
            known = await CountAsync(connection, "SELECT COUNT(*) FROM devices WHERE status IS NOT NULL;", cancellationToken);
            pending = await CountAsync(connection, "SELECT COUNT(*) FROM alerts WHERE decision IS NULL;", cancellationToken);
        }

        var report = await certificates.ReportAsync(cancellationToken);
        certificates.Warn(report);
        metrics.Update(new FleetSample(online, known, pending, report.ExpiringSoon, report.RenewalMissed, report.CaNotAfter, report.ServiceNotAfter));
        Interlocked.Exchange(ref _sampled, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SampleInterval, time);
        do
        {
            try
            {
                await SampleAsync(stoppingToken);
            }
            catch (DbException ex)
            {
                LogFailed(logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static async Task<long> CountAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(null, sql);
        return await command.ScalarInt64Async(cancellationToken);
    }

    [LoggerMessage(EventId = 11730, Level = LogLevel.Warning, Message = "Metrics: reading the fleet's figures from the database failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string error);
}
