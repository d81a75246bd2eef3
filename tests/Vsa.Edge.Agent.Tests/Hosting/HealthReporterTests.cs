using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Platform;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Hosting;

/// <summary>Heartbeats carry the outbox, the resources and the runtime versions as optional v1 fields.</summary>
public sealed class HealthReporterTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-health-");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Build_WithOutboxAndResources_SerialisesTheOptionalFieldsInCamelCase()
    {
        using var outbox = new SqliteAlertOutbox(_dir.FullName, "edge-health", new OutboxOptions { MaxAlerts = 2 }, _time, NullLogger<SqliteAlertOutbox>.Instance);
        outbox.Enqueue([TestAlerts.Start("edge-health"), TestAlerts.Start("edge-health"), TestAlerts.Start("edge-health")]);
        _time.Advance(TimeSpan.FromSeconds(30));
        var registry = new PipelineStatsRegistry();
        registry.Register(new PipelineStats("cam-1", _time));
        var reporter = new HealthReporter("edge-health", registry, new ModelRef("nanodet-coco", "1"), () => "CPU", _time)
        {
            Outbox = outbox,
            Resources = new ResourceMonitor(HostFiles.Instance, _dir.FullName),
        };

        var json = JsonSerializer.Serialize(reporter.Build(_time.GetUtcNow()), ContractsJsonContext.Default.HealthMessage);

        var node = JsonNode.Parse(json)!;
        Assert.Equal(2, (int?)node["outbox"]!["depth"]);
        Assert.Equal(1, (long?)node["outbox"]!["droppedFull"]);
        Assert.Equal(1, (long?)node["outbox"]!["dropped"]);
        Assert.Equal(30.0, (double?)node["outbox"]!["oldestAgeSeconds"]);
        Assert.True((long?)node["resources"]!["processRssBytes"] > 0);
        Assert.True((long?)node["resources"]!["dataDiskFreeBytes"] > 0);
        Assert.StartsWith(".NET", (string?)node["runtime"]!["dotnet"], StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty((string?)node["runtime"]!["onnxRuntime"]));
        var back = JsonSerializer.Deserialize(json, ContractsJsonContext.Default.HealthMessage)!;
        Assert.Equal(json, JsonSerializer.Serialize(back, ContractsJsonContext.Default.HealthMessage));
    }

    [Fact]
    public void Deserialize_V1HeartbeatWithoutTheNewFields_LeavesThemNull()
    {
        const string Old = """
            {"schema":"vsa.health","schemaVersion":1,"deviceId":"pole-12","sentAt":"2026-03-01T09:00:00+00:00","uptimeSeconds":12,
             "agentVersion":"0.1.0","executionProvider":"CPU","cameras":[]}
            """;

        var health = JsonSerializer.Deserialize(Old, ContractsJsonContext.Default.HealthMessage)!;

        Assert.Null(health.Outbox);
        Assert.Null(health.Resources);
        Assert.Null(health.Runtime);
    }
}
