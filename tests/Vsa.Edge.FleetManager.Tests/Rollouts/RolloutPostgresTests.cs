using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Rollouts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Rollouts;

/// <summary>The rollout state machine on PostgreSQL: the same SQL, one schema, two fleet managers one after the other.</summary>
public sealed class RolloutPostgresTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Driver_OnPostgresAcrossARestart_PausesOnTheCanaryThenAbortRestores()
    {
        var schema = postgres.CreateSchema();
        var ports = new ScriptedModelPorts();
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        string[] devices = ["pg-a", "pg-b", "pg-c"];
        long id;
        await using (var before = await RolloutBench.StartAsync(clock, ports, postgres: schema))
        {
            await before.DevicesAsync(devices);
            var created = await before.StartRolloutAsync(new RolloutRequest(ScriptedModelPorts.NewSha, Devices: devices, Waves: [100], SoakMinutes: 5));
            id = (await created.Content.ReadFromJsonAsync(RolloutJsonContext.Default.RolloutView))!.Id;
        }

        await using var after = await RolloutBench.StartAsync(clock, ports, postgres: schema);
        ports.Updating("pg-a", ModelUpdateState.Failed, "validation-failed: frame 3: person at IoU 0.52 < 0.7", $"rollout:{id}");
        await after.PassAsync();
        var paused = await after.GetAsync(id);
        var aborted = await after.ActAsync(id, "abort", "validation fails on this hardware");
        var view = await after.GetAsync(id);

        Assert.Equal(RolloutStatus.Paused, paused.Status);
        Assert.Equal("canary: pg-a reported failed: validation-failed: frame 3: person at IoU 0.52 < 0.7", paused.Reason);
        Assert.Equal(HttpStatusCode.OK, aborted.StatusCode);
        Assert.Equal(["restored", "queued", "queued"], view.Devices.Select(d => d.State));
        Assert.Equal([new Assigned("pg-a", ScriptedModelPorts.NewSha, $"rollout:{id}", $"rollout:{id}"), new Assigned("pg-a", ScriptedModelPorts.OldSha, $"rollout:{id}", RolloutDriver.Actor)], ports.Assignments);
    }
}
