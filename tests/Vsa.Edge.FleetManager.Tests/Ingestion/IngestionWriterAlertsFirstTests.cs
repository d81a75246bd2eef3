using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>
/// Alerts skip the writer's queue of heartbeats: with 10,000 devices the queue holds thousands of heartbeats, and an alert
/// behind them waited for all of them to be stored.
/// </summary>
public sealed class IngestionWriterAlertsFirstTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vsa-fleet-writer-alerts-").FullName;
    private readonly FakeTimeProvider _clock = new(Samples.T0);
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly LiveBroadcaster _live = new(Options.Create(new LiveOptions()), NullLogger<LiveBroadcaster>.Instance);
    private FleetDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = FleetDatabase.Create(new StorageOptions { DataDirectory = _directory }, "/");
        await new MigrationRunner(_database, _clock, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _metrics.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task StoreAsync_AlertsQueuedAfterHeartbeats_StoredInTheFirstBatchEveryMessageStillStoredInItsOrder()
    {
        using var writer = CreateWriter(batchSize: 4);
        using var listener = _live.Subscribe();
        var heartbeats = Enumerable.Range(0, 10).Select(i => Samples.Health($"pole-{i}", Samples.T0)).ToList();
        var alerts = new[] { Samples.AlertStart("pole-3"), Samples.AlertStart("pole-8") };

        // All queued before the writer starts, as the embedded broker queues them (each device awaiting its own commit):
        // ten heartbeats, then two alerts.
        var stored = heartbeats.Select(h => writer.StoreAsync(Topics.Health(h.DeviceId), JsonSerializer.SerializeToUtf8Bytes(h, ContractsJsonContext.Default.HealthMessage), Samples.T0, CancellationToken.None))
            .Concat(alerts.Select(a => writer.StoreAsync(Topics.Alerts(a.DeviceId), JsonSerializer.SerializeToUtf8Bytes(a, ContractsJsonContext.Default.AlertMessage), Samples.T0, CancellationToken.None)))
            .ToList();
        await writer.StartAsync(CancellationToken.None);
        await Task.WhenAll(stored).WaitAsync(FleetApp.Timeout);
        await writer.StopAsync(CancellationToken.None);

        // Announced batch after batch in stored order (batches of four): the two alerts and the first two heartbeats, then the
        // other heartbeats in their order.
        var announced = new List<string>();
        while (listener.Reader.TryRead(out var e))
        {
            announced.Add(e.Type == LiveEventTypes.Alert ? JsonSerializer.Deserialize<JsonElement>(e.Json).GetProperty("deviceId").GetString()! + "/alert" : JsonSerializer.Deserialize<JsonElement>(e.Json).GetProperty("deviceId").GetString()!);
        }

        Assert.Equal(3, writer.Batches);
        Assert.Equal(["pole-3/alert", "pole-8/alert", .. heartbeats.Select(h => h.DeviceId)], announced);
    }

    [Fact]
    public async Task StoreAsync_MoreAlertsThanABatch_HeartbeatsStillGetHalfOfEachBatch()
    {
        using var writer = CreateWriter(batchSize: 4);
        using var listener = _live.Subscribe();
        var heartbeats = Enumerable.Range(0, 2).Select(i => Samples.Health($"pole-{i}", Samples.T0)).ToList();
        var alerts = Enumerable.Range(0, 6).Select(i => Samples.AlertStart($"pole-a{i}")).ToList();

        // Two heartbeats, then six alerts (more than a batch): the first batch must not be alerts only.
        var stored = heartbeats.Select(h => writer.StoreAsync(Topics.Health(h.DeviceId), JsonSerializer.SerializeToUtf8Bytes(h, ContractsJsonContext.Default.HealthMessage), Samples.T0, CancellationToken.None))
            .Concat(alerts.Select(a => writer.StoreAsync(Topics.Alerts(a.DeviceId), JsonSerializer.SerializeToUtf8Bytes(a, ContractsJsonContext.Default.AlertMessage), Samples.T0, CancellationToken.None)))
            .ToList();
        await writer.StartAsync(CancellationToken.None);
        await Task.WhenAll(stored).WaitAsync(FleetApp.Timeout);
        await writer.StopAsync(CancellationToken.None);

        var announced = new List<string>();
        while (listener.Reader.TryRead(out var e))
        {
            announced.Add(e.Type == LiveEventTypes.Alert ? "alert" : JsonSerializer.Deserialize<JsonElement>(e.Json).GetProperty("deviceId").GetString()!);
        }

        Assert.Equal(2, writer.Batches);
        Assert.Equal(["alert", "alert", "pole-0", "pole-1", "alert", "alert", "alert", "alert"], announced);
    }

    private IngestionWriter CreateWriter(int batchSize)
    {
        var options = Options.Create(new IngestionOptions { BatchSize = batchSize });
        var statistics = new IngestionStatistics(_metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var pipeline = IngestionRig.Pipeline(_database, _clock, statistics, options, live: _live);
        return new IngestionWriter(_database, pipeline, options, _clock, NullLogger<IngestionWriter>.Instance);
    }
}
