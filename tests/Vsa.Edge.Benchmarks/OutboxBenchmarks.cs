using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Benchmarks;

/// <summary>
/// The durable alert outbox (SQLite, WAL): what storing an alert before publishing costs, with an fsync per commit
/// (Full, the default) and without (Normal), and how fast the publisher drains it into a real Mosquitto (QoS 1, each
/// alert removed after its PUBACK). Results are per alert.
/// </summary>
[MemoryDiagnoser]
public class OutboxBenchmarks
{
    private const int Batch = 16;
    private const int Drain = 256;
    private string _dir = null!;
    private SqliteAlertOutbox _outbox = null!;
    private AlertMessage _one = null!;
    private AlertMessage[] _batch = null!;
    private AlertMessage[] _drain = null!;
    private MosquittoFixture? _broker;
    private SqliteAlertOutbox? _publishOutbox;
    private MqttPublisher? _publisher;

    [Params(OutboxDurability.Full, OutboxDurability.Normal)]
    public OutboxDurability Durability { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("vsa-outbox-bench-").FullName;
        _outbox = new SqliteAlertOutbox(Path.Combine(_dir, "store"), "bench", new OutboxOptions { Durability = Durability }, TimeProvider.System, NullLogger<SqliteAlertOutbox>.Instance);
        _one = Alert();
        _batch = [.. Enumerable.Range(0, Batch).Select(_ => Alert())];
        _drain = [.. Enumerable.Range(0, Drain).Select(_ => Alert())];
    }

    [GlobalSetup(Targets = [nameof(StoreAndPublishToMosquitto), nameof(DrainBacklogToMosquitto)])]
    public void SetupBroker()
    {
        Setup();
        _broker = new MosquittoFixture();
        _publishOutbox = new SqliteAlertOutbox(Path.Combine(_dir, "publish"), "bench", new OutboxOptions { Durability = Durability }, TimeProvider.System, NullLogger<SqliteAlertOutbox>.Instance);
        _publisher = new MqttPublisher(new MqttOptions { Host = _broker.Host, Port = _broker.Port }, "bench", _publishOutbox, TimeProvider.System, NullLogger<MqttPublisher>.Instance);
        _publisher.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        if (!_publisher.WaitConnectedAsync(TimeSpan.FromSeconds(30), CancellationToken.None).GetAwaiter().GetResult())
        {
            throw new InvalidOperationException("Mosquitto did not accept the publisher.");
        }
    }

    [Benchmark(Baseline = true, Description = "store 1 alert, peek, remove (2 commits)")]
    public int StoreAndRemoveOne()
    {
        _outbox.Enqueue(_one);
        var head = _outbox.Peek(1);
        _outbox.Remove(head);
        return head.Count;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "store 16 alerts in one commit, peek 16, remove 16 (2 commits)")]
    public int StoreAndRemoveBatch()
    {
        _outbox.Enqueue(_batch);
        var head = _outbox.Peek(Batch);
        _outbox.Remove(head);
        return head.Count;
    }

    [Benchmark(OperationsPerInvoke = Drain, Description = "store 256 alerts one by one, publish QoS 1 to Mosquitto, remove on PUBACK")]
    public long StoreAndPublishToMosquitto()
    {
        foreach (var alert in _drain)
        {
            _publishOutbox!.Enqueue(alert);
        }

        _publishOutbox!.WaitAsync(c => c.Depth == 0, CancellationToken.None).GetAwaiter().GetResult();
        return _publisher!.AlertsPublished;
    }

    [Benchmark(OperationsPerInvoke = Drain, Description = "backlog: 256 alerts stored in one commit, drained to Mosquitto (16 in flight), removed on PUBACK")]
    public long DrainBacklogToMosquitto()
    {
        _publishOutbox!.Enqueue(_drain);
        _publishOutbox.WaitAsync(c => c.Depth == 0, CancellationToken.None).GetAwaiter().GetResult();
        return _publisher!.AlertsPublished;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_publisher is not null)
        {
            _publisher.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
            _publisher.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        _publishOutbox?.Dispose();
        _broker?.Dispose();
        _outbox.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static AlertMessage Alert()
    {
        var now = DateTimeOffset.UtcNow;
        return new AlertMessage(
            AlertMessage.SchemaId,
            AlertMessage.CurrentVersion,
            Guid.CreateVersion7().ToString(),
            Guid.CreateVersion7().ToString(),
            0,
            "bench",
            "cam-1",
            EventType.Intrusion,
            AlertState.Start,
            now,
            now,
            null,
            "square",
            0.8,
            new Measurement("duration", 2, "s"),
            [new AlertObject("person", 0.8, [0.1, 0.2, 0.05, 0.2], 3)],
            new ModelRef("nanodet-coco", "1"));
    }
}
