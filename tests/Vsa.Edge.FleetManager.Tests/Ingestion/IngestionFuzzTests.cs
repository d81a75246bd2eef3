using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Authorisations;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>
/// The hostile-input property (issue 10): whatever bytes arrive, on any ingested topic, nothing throws out of the ingestion,
/// the fleet keeps serving, and nothing invalid is stored. CsCheck generates the variants (<see cref="Mutations"/>) and
/// shrinks a failing one; set the environment variable <c>CsCheck_Seed</c> to replay a run. The figures (cases per kind,
/// outcomes by reason) are written to the test output: <c>--logger "console;verbosity=detailed"</c>.
/// </summary>
public sealed class IngestionFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Variants per message kind thrown at the pipeline and the real SQLite store.</summary>
    public const int CasesPerKind = 10_000;

    /// <summary>Variants per message kind sent through a real broker to a running fleet manager.</summary>
    public const int BrokerCasesPerKind = 60;

    private const string Device = "fuzz-1";

    /// <summary>Bytes of an MQTT 5 PUBLISH around its topic and payload, rounded up (fixed header, lengths, packet id, properties).</summary>
    private const int PacketOverhead = 64;
    private static int _heartbeats;
    private readonly string _directory = Directory.CreateTempSubdirectory("vsa-fleet-fuzz-").FullName;
    private readonly FakeTimeProvider _clock = new(Samples.T0);
    private FleetDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = FleetDatabase.Create(new StorageOptions { DataDirectory = _directory }, "/");
        await new MigrationRunner(_database, _clock, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
    }

    [Fact]
    public async Task StoreAsync_TenThousandHostileVariantsOfEachKind_NothingThrowsAndEveryStoredRowIsValid() =>
        await FuzzPipelineAsync(_database, _clock, CasesPerKind, "pipeline + SQLite", output);

    [Fact]
    public async Task Broker_HostileVariantsOfEachKind_FleetKeepsServingAndStoresNothingInvalid()
    {
        var from = TimeProvider.System.GetUtcNow();
        await using var fleet = await FleetApp.StartAsync();
        var device = await TestDevice.ConnectAsync(fleet.BrokerPort, Device);
        await using var calm = await TestDevice.ConnectAsync(fleet.BrokerPort, "calm-1");
        var outcomes = new Dictionary<MessageKind, Dictionary<string, int>>();
        var watch = Stopwatch.StartNew();

        foreach (var kind in WireSamples.Kinds)
        {
            var before = fleet.Statistics.Snapshot().Rejected;
            var mutants = Mutations.Of(kind, Device, Samples.T0).Array[BrokerCasesPerKind].Single();
            var refusedByBroker = 0;
            var closedByBroker = 0;
            foreach (var mutant in mutants)
            {
                var bytes = mutant.Payload.Length + Encoding.UTF8.GetByteCount(mutant.Topic);
                if (bytes + PacketOverhead > BrokerOptions.DefaultMaxPacketSize)
                {
                    // At or over what the broker takes (two "huge" mutations escape to over 256 KiB): it closes the
                    // connection before reading the payload, and the device connects again.
                    var closed = await Record.ExceptionAsync(() => device.TryPublishRawAsync(mutant.Topic, mutant.Payload));
                    Assert.True(closed is not null || bytes < BrokerOptions.DefaultMaxPacketSize, $"a {bytes}-byte publish was not refused");
                    if (closed is not null)
                    {
                        closedByBroker++;
                        await device.DisposeAsync();
                        device = await TestDevice.ConnectAsync(fleet.BrokerPort, Device);
                    }

                    continue;
                }

                // A variant whose topic names another device (or no device topic) is the broker's to refuse.
                refusedByBroker += (int)await device.TryPublishRawAsync(mutant.Topic, mutant.Payload) >= 0x80 ? 1 : 0;
            }

            // The embedded broker acknowledges each message once it is handled: this heartbeat, stored after them all, shows
            // the fleet still ingests.
            await HeartbeatAsync(fleet, calm);
            var after = fleet.Statistics.Snapshot().Rejected;
            outcomes[kind] = after.Where(r => r.Value > before[r.Key]).ToDictionary(r => r.Key, r => (int)(r.Value - before[r.Key]));
            outcomes[kind]["sent"] = mutants.Length;
            outcomes[kind]["refused_by_broker"] = refusedByBroker;
            outcomes[kind]["closed_by_broker"] = closedByBroker;
        }

        await device.DisposeAsync();

        Assert.Equal(HttpStatusCode.OK, (await fleet.Http.GetAsync("/health/ready")).StatusCode);
        var settings = new IngestionOptions();
        var to = TimeProvider.System.GetUtcNow();
        var (problems, rows) = await StoredRows.AuditAsync(
            fleet.Services.GetRequiredService<FleetDatabase>(),
            new TimeWindow(from - settings.MaxMessageAge, to + settings.MaxClockSkew),
            new TimeWindow(from - settings.MaxRetainedAge, to + settings.MaxClockSkew));
        Report(output, "broker + fleet", outcomes, watch.Elapsed, rows);
        Assert.Empty(problems);
    }

    /// <summary>
    /// Throws <paramref name="cases"/> hostile variants of each kind at the pipeline on <paramref name="database"/> (one
    /// transaction per kind), then a valid message of each kind, and audits every stored row.
    /// </summary>
    internal static async Task FuzzPipelineAsync(FleetDatabase database, FakeTimeProvider clock, int cases, string path, ITestOutputHelper output)
    {
        using var metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var options = Options.Create(new IngestionOptions());
        var statistics = new IngestionStatistics(metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var pipeline = Pipeline(database, clock, options, statistics);
        var outcomes = new Dictionary<MessageKind, Dictionary<string, int>>();
        var watch = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;

        foreach (var kind in WireSamples.Kinds)
        {
            var counts = outcomes[kind] = [];
            await using var connection = await database.OpenAsync(CancellationToken.None);
            await using var transaction = await connection.BeginTransactionAsync();
            await Mutations.Of(kind, Device, Samples.T0).SampleAsync(
                async mutant =>
                {
                    var stored = await pipeline.StoreAsync(connection, transaction, mutant.Topic, mutant.Payload, Samples.T0, CancellationToken.None);
                    pipeline.Announce(stored);
                    var outcome = stored.Outcome == IngestionOutcome.Rejected ? RejectReasons.Name(stored.Reason) : stored.Outcome.ToString().ToLowerInvariant();
                    counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
                },
                writeLine: output.WriteLine,
                iter: cases,
                threads: 1);
            await transaction.CommitAsync();
        }

        // The storm is over: a valid message of each kind is still taken, and nothing stored is invalid.
        foreach (var kind in WireSamples.Kinds)
        {
            var stored = await database.InTransactionAsync(
                (c, t) => pipeline.StoreAsync(c, t, WireSamples.Topic(kind, "calm-1"), WireSamples.Payload(kind, "calm-1", Samples.T0), Samples.T0, CancellationToken.None),
                CancellationToken.None);
            Assert.Equal((kind, IngestionOutcome.Accepted), (kind, stored.Outcome));
        }

        var (problems, rows) = await StoredRows.AuditAsync(database, options.Value.WindowFor(MessageKind.Alert, Samples.T0), options.Value.WindowFor(MessageKind.Status, Samples.T0));
        Report(output, $"{path} (CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s, the whole test process)", outcomes, watch.Elapsed, rows);
        Assert.Empty(problems);
        Assert.All(outcomes, o => Assert.True(o.Value.Values.Sum() >= cases, $"{o.Key}: {o.Value.Values.Sum()} cases"));
        var reasons = Enum.GetValues<RejectReason>().Select(RejectReasons.Name).ToHashSet();
        Assert.All(outcomes, o => Assert.True(o.Value.Keys.Count(reasons.Contains) >= 4, $"{o.Key}: too few kinds of refusal, the mutations do not bite"));
        Assert.True(outcomes.Values.Sum(o => o.GetValueOrDefault("accepted")) > cases / 100, "too few variants stored: the validity of stored rows is barely tested");
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A valid heartbeat of another device, stored and seen live.</summary>
    private static async Task HeartbeatAsync(FleetApp fleet, TestDevice device)
    {
        var health = Samples.Health("calm-1", Samples.T0.AddSeconds(Interlocked.Increment(ref _heartbeats)));
        using var tap = fleet.Tap();
        await device.PublishRawAsync(Topics.Health(health.DeviceId), JsonSerializer.Serialize(health, ContractsJsonContext.Default.HealthMessage));
        await tap.WaitForAsync(LiveEventTypes.Device, FleetJsonContext.Default.DeviceView, d => d.DeviceId == health.DeviceId && d.LastHeartbeatAt == health.SentAt);
    }

    private static IngestionPipeline Pipeline(FleetDatabase database, FakeTimeProvider clock, IOptions<IngestionOptions> options, IngestionStatistics statistics)
    {
        var audit = new AuditLog(database, clock);
        var live = new LiveBroadcaster(Options.Create(new LiveOptions()), NullLogger<LiveBroadcaster>.Instance);
        return new IngestionPipeline(
            database, new AlertStore(database, audit), new DeviceStore(database), new ConfigStore(database, new AuthorisationStore(database), audit), live,
            new DeviceConditionsState(), new DeadLetterStore(database, options), new RejectionLog(options, clock, NullLogger<RejectionLog>.Instance), statistics, options,
            clock, NullLogger<IngestionPipeline>.Instance, modelReports: new Vsa.Edge.FleetManager.ModelUpdates.ModelReportStore(database));
    }

    private static void Report(ITestOutputHelper output, string path, Dictionary<MessageKind, Dictionary<string, int>> outcomes, TimeSpan elapsed, int rows)
    {
        var text = new StringBuilder($"Hostile-input fuzz through {path}: {elapsed.TotalSeconds:F1} s, {rows} stored rows audited\n");
        foreach (var (kind, counts) in outcomes)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"  {IngestionStatistics.KindName(kind),-16}")
                .AppendJoin(", ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}"))
                .Append('\n');
        }

        output.WriteLine(text.ToString());
    }
}
