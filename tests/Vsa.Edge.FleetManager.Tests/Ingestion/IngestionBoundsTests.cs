using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Authorisations;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.DeviceConfigs;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>
/// What one enrolled device can make the fleet store: one heartbeat per interval in the history, a bounded number of
/// <c>config.refuse</c> audit entries per interval with the rest counted, through the real pipeline on real SQLite.
/// </summary>
public sealed class IngestionBoundsTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vsa-fleet-bounds-").FullName;
    private readonly FakeTimeProvider _clock = new(Samples.T0);
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly IOptions<IngestionOptions> _options = Options.Create(new IngestionOptions());
    private FleetDatabase _database = null!;
    private AuditLog _audit = null!;
    private IngestionStatistics _statistics = null!;
    private IngestionPipeline _pipeline = null!;

    public async Task InitializeAsync()
    {
        _database = FleetDatabase.Create(new StorageOptions { DataDirectory = _directory }, "/");
        await new MigrationRunner(_database, _clock, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
        _audit = new AuditLog(_database, _clock);
        _statistics = new IngestionStatistics(_metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var live = new LiveBroadcaster(Options.Create(new LiveOptions()), NullLogger<LiveBroadcaster>.Instance);
        _pipeline = new IngestionPipeline(
            _database, new AlertStore(_database, _audit), new DeviceStore(_database), new ConfigStore(_database, new AuthorisationStore(_database), _audit, ingestion: _options),
            live, new DeviceConditionsState(), new DeadLetterStore(_database, _options), new RejectionLog(_options, _clock, NullLogger<RejectionLog>.Instance),
            _statistics, _options, _clock, NullLogger<IngestionPipeline>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _metrics.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task HandleAsync_HeartbeatsFasterThanTheInterval_OneHistoryRowPerIntervalAndDeviceStillOnline()
    {
        // 40 heartbeats every 250 ms (10 s): with the default 2 s, the ones received at 0, 2, 4, 6 and 8 s are kept.
        HealthMessage last = null!;
        for (var i = 0; i < 40; i++)
        {
            last = Samples.Health("pole-12", _clock.GetUtcNow());
            Assert.Equal(IngestionOutcome.Accepted, await HandleAsync(Topics.Health("pole-12"), JsonSerializer.SerializeToUtf8Bytes(last, ContractsJsonContext.Default.HealthMessage)));
            _clock.Advance(TimeSpan.FromMilliseconds(250));
        }

        var devices = new DeviceStore(_database);
        var device = await devices.FindAsync("pole-12", CancellationToken.None);
        Assert.Equal(5, await devices.CountHeartbeatsAsync("pole-12", CancellationToken.None));
        Assert.Equal((DeviceState.Online, last.SentAt), (device!.Status, device.LastHeartbeatAt));
        Assert.Equal((5L, 35L), (_statistics.Snapshot().Heartbeats, _statistics.Snapshot().HeartbeatsCoalesced));
    }

    [Fact]
    public async Task HandleAsync_HeartbeatsAtTheAgentsPace_EveryOneKept()
    {
        for (var i = 0; i < 6; i++)
        {
            var health = Samples.Health("pole-12", _clock.GetUtcNow());
            await HandleAsync(Topics.Health("pole-12"), JsonSerializer.SerializeToUtf8Bytes(health, ContractsJsonContext.Default.HealthMessage));
            _clock.Advance(TimeSpan.FromSeconds(i % 2 == 0 ? 10 : 2));
        }

        Assert.Equal(6, await new DeviceStore(_database).CountHeartbeatsAsync("pole-12", CancellationToken.None));
        Assert.Equal(0, _statistics.Snapshot().HeartbeatsCoalesced);
    }

    [Fact]
    public async Task HandleAsync_HeartbeatWith450Cameras_RefusedNamingCamerasAndNothingStored()
    {
        var cameras = Enumerable.Range(0, 450).Select(i => new CameraHealth($"camera-{i:D4}", true, 10, 0, 10, 20)).ToList();
        var health = Samples.Health("pole-12", _clock.GetUtcNow()) with { Cameras = cameras };
        var payload = JsonSerializer.SerializeToUtf8Bytes(health, ContractsJsonContext.Default.HealthMessage);
        Assert.True(payload.Length < _options.Value.MaxPayloadBytes, "the flood's heartbeat fits the payload limit");

        var decoded = PayloadDecoder.DecodeHealth(payload, "pole-12", TimeWindow.Unbounded);

        Assert.Equal((RejectReason.InvalidContent, "cameras holds 450 entries, at most 64 are accepted"), (decoded.Reason, decoded.Detail));
        Assert.Equal(IngestionOutcome.Rejected, await HandleAsync(Topics.Health("pole-12"), payload));
        Assert.Equal(0, await new DeviceStore(_database).CountHeartbeatsAsync("pole-12", CancellationToken.None));
    }

    [Fact]
    public async Task HandleAsync_RefusalFloodAlternatingTwoHashes_BoundedAuditEntriesWithTheCountFolded()
    {
        // 300 refusals in 30 s, alternating two hashes (each differs from the report before), each with 32 errors of 1000 characters.
        var errors = Enumerable.Range(0, 32).Select(i => $"{i}:" + new string('e', 998)).ToList();
        for (var i = 0; i < 300; i++)
        {
            Assert.Equal(IngestionOutcome.Accepted, await ReportAsync(Refusal(errors, i % 2 == 0 ? 'a' : 'b')));
            _clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        var during = await RefusalsAsync();
        _clock.Advance(_options.Value.ConfigRefusalAuditInterval);
        await ReportAsync(Refusal(["a new refusal"], 'c'));
        var after = await RefusalsAsync();

        Assert.Equal(_options.Value.ConfigRefusalAuditEntries, during.Count);
        Assert.All(during, d => Assert.Equal(32, (int)d["errorCount"]!));
        Assert.All(during, d => Assert.Equal(ConfigRefusalGate.MaxAuditedErrors, d["errors"]!.AsArray().Count));
        Assert.All(during.SelectMany(d => d["errors"]!.AsArray()), e => Assert.True(((string)e!).Length <= ConfigRefusalGate.MaxAuditedErrorLength));
        Assert.Equal(during.Count + 1, after.Count);
        Assert.Equal(300 - _options.Value.ConfigRefusalAuditEntries, (long)after[^1]["refusalsFolded"]!);
        Assert.Equal(new string('c', 64), (string?)after[^1]["sha256"]);
        Assert.Equal(new string('b', 64), (string?)after[^1]["lastFoldedSha256"]);
    }

    [Fact]
    public async Task HandleAsync_FoldedRefusalsThenAnAppliedReportAfterTheInterval_SummaryEntryWithTheCount()
    {
        for (var i = 0; i < 10; i++)
        {
            await ReportAsync(Refusal(["forged"], i % 2 == 0 ? 'a' : 'b'));
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        _clock.Advance(_options.Value.ConfigRefusalAuditInterval);
        await ReportAsync(ConfigSamples.Reported("pole-12", _clock.GetUtcNow(), applied: 2));
        var refusals = await RefusalsAsync();

        Assert.Equal(_options.Value.ConfigRefusalAuditEntries + 1, refusals.Count);
        Assert.Equal(10 - _options.Value.ConfigRefusalAuditEntries, (long)refusals[^1]["refusalsFolded"]!);
        Assert.Null(refusals[^1]["sha256"]);
    }

    [Theory]
    [InlineData(65, 10, "errors holds 65 entries, at most 64 are accepted")]
    [InlineData(1, 1025, "errors[0] is longer than 1024 characters")]
    public void DecodeConfigReported_OversizedErrors_RefusedAsInvalidContent(int count, int length, string expected)
    {
        var errors = Enumerable.Repeat(new string('e', length), count).ToList();
        var payload = JsonSerializer.SerializeToUtf8Bytes(Refusal(errors, 'a'), ContractsJsonContext.Default.ReportedConfigMessage);

        var decoded = PayloadDecoder.DecodeConfigReported(payload, "pole-12", TimeWindow.Unbounded);

        Assert.Equal((RejectReason.InvalidContent, expected), (decoded.Reason, decoded.Detail));
    }

    [Fact]
    public void Bounded_AgentReportAboutAVeryBrokenConfiguration_StillAcceptedWithTheRestCounted()
    {
        var errors = Enumerable.Range(0, 100).Select(i => $"cameras[{i}].source: {new string('x', i == 0 ? 2000 : 10)}").ToList();

        var bounded = ReportedConfigMessage.Bounded(errors);
        var payload = JsonSerializer.SerializeToUtf8Bytes(Refusal(bounded, 'a'), ContractsJsonContext.Default.ReportedConfigMessage);
        var decoded = PayloadDecoder.DecodeConfigReported(payload, "pole-12", TimeWindow.Unbounded);

        Assert.Equal(ReportedConfigMessage.MaxErrors, bounded.Count);
        Assert.Equal(ReportedConfigMessage.MaxErrorLength, bounded[0].Length);
        Assert.Equal("… and 37 more errors", bounded[^1]);
        Assert.Equal(errors[62], bounded[62]);
        Assert.True(decoded.IsAccepted, decoded.Detail);
        var few = errors.Skip(1).Take(3).ToList();
        Assert.Same(few, ReportedConfigMessage.Bounded(few));
    }

    [Fact]
    public void DecodeAlert_TooManyObjectsOrLongClass_RefusedNamingTheField()
    {
        var alert = Samples.AlertStart("pole-12");
        var many = alert with { Objects = [.. Enumerable.Repeat(new AlertObject("person", 0.9, [0, 0, 1, 1], null), 257)] };
        var longClass = alert with { Objects = [new AlertObject(new string('p', 257), 0.9, [0, 0, 1, 1], null)] };

        Assert.Equal("objects holds 257 entries, at most 256 are accepted", DecodeAlert(many).Detail);
        Assert.Equal("objects[0] class is longer than 256 characters", DecodeAlert(longClass).Detail);
    }

    [Fact]
    public void DecodeHealth_LongTextsAndManyThermalZones_RefusedNamingTheField()
    {
        var health = Samples.Health("pole-12", Samples.T0);
        var zones = Enumerable.Range(0, 65).Select(i => new ThermalReading($"zone{i}", 40)).ToList();

        Assert.Equal("agentVersion is longer than 256 characters", DecodeHealth(health with { AgentVersion = new string('1', 257) }).Detail);
        Assert.Equal("runtime.os is longer than 256 characters", DecodeHealth(health with { Runtime = new RuntimeVersions(null, null, new string('u', 257)) }).Detail);
        Assert.Equal("resources.thermal holds 65 entries, at most 64 are accepted", DecodeHealth(health with { Resources = new ResourceHealth(Thermal: zones) }).Detail);
        Assert.Null(DecodeHealth(health with { Resources = new ResourceHealth(Thermal: zones[..64]) }).Detail);
    }

    private static Decoded<AlertMessage> DecodeAlert(AlertMessage alert) =>
        PayloadDecoder.DecodeAlert(JsonSerializer.SerializeToUtf8Bytes(alert, ContractsJsonContext.Default.AlertMessage), alert.DeviceId, TimeWindow.Unbounded);

    private static Decoded<HealthMessage> DecodeHealth(HealthMessage health) =>
        PayloadDecoder.DecodeHealth(JsonSerializer.SerializeToUtf8Bytes(health, ContractsJsonContext.Default.HealthMessage), health.DeviceId, TimeWindow.Unbounded);

    private ReportedConfigMessage Refusal(IReadOnlyList<string> errors, char hash) =>
        ConfigSamples.Reported("pole-12", _clock.GetUtcNow(), applied: 1, ConfigApplyStatus.Rejected, received: 2, errors) with { RejectedSha256 = new string(hash, 64) };

    private Task<IngestionOutcome> ReportAsync(ReportedConfigMessage report) =>
        HandleAsync(Topics.ConfigReported(report.DeviceId), JsonSerializer.SerializeToUtf8Bytes(report, ContractsJsonContext.Default.ReportedConfigMessage));

    private Task<IngestionOutcome> HandleAsync(string topic, byte[] payload) =>
        _pipeline.HandleAsync(topic, new System.Buffers.ReadOnlySequence<byte>(payload), CancellationToken.None);

    private async Task<List<JsonNode>> RefusalsAsync() =>
        [.. (await _audit.ReadAsync(0, 10_000, CancellationToken.None)).Where(e => e.Action == ConfigAuditActions.Refused).Select(e => JsonNode.Parse(e.Details)!)];
}
