using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Rollouts;

namespace Vsa.Edge.FleetManager.Tests.Rollouts;

/// <summary>
/// Rollouts driven through the API on a real fleet manager (real database, real driver on a fake clock), the model ports
/// scripted: stages, gates, pause, resume, abort, the category check and a restart.
/// </summary>
public sealed class RolloutApiTests
{
    private static readonly TimeSpan Soak = TimeSpan.FromMinutes(10);
    private static readonly string[] Ten = [.. Enumerable.Range(0, 10).Select(i => $"pole-{i:00}")];

    private static RolloutRequest Request(IReadOnlyList<string> devices, int canary = 1, IReadOnlyList<double>? waves = null) =>
        new(ScriptedModelPorts.NewSha, Devices: devices, CanaryDevices: canary, Waves: waves ?? [50, 100], SoakMinutes: Soak.TotalMinutes);

    [Fact]
    public async Task Start_CanaryPasses_WavesProceedToCompletion()
    {
        await using var bench = await RolloutBench.StartAsync();
        await bench.DevicesAsync(Ten);

        var created = await bench.StartRolloutAsync(Request(Ten));
        var started = (await created.Content.ReadFromJsonAsync(RolloutJsonContext.Default.RolloutView))!;
        var canarySent = bench.Ports.Assignments.Select(a => a.DeviceId).ToArray();
        await bench.ActivateAsync(["pole-00"]);
        var soaking = await bench.GetAsync(started.Id);
        await bench.AdvanceAsync(Soak + TimeSpan.FromMinutes(1));
        var wave1 = await bench.GetAsync(started.Id);
        await bench.ActivateAsync(Ten[1..5]);
        await bench.AdvanceAsync(Soak + TimeSpan.FromMinutes(1));
        await bench.ActivateAsync(Ten[5..]);
        await bench.AdvanceAsync(Soak + TimeSpan.FromMinutes(1));
        var done = await bench.GetAsync(started.Id);
        var audit = await bench.Admin.GetFromJsonAsync("/api/audit", FleetJsonContext.Default.IReadOnlyListAuditEntry);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(["canary", "wave-1", "wave-2"], started.Stages.Select(s => s.Name));
        Assert.Equal([1, 4, 5], started.Stages.Select(s => s.Devices));
        Assert.Equal(["pole-00"], canarySent);
        Assert.Equal(("active", "ok", 0, null), (soaking.Devices[0].State, soaking.Devices[0].Gate, soaking.Stage, soaking.Stages[0].Outcome));
        Assert.Equal((1, "passed"), (wave1.Stage, wave1.Stages[0].Outcome));
        Assert.Equal(["pending", "pending", "pending", "pending"], wave1.Devices.Where(d => d.Stage == 1).Select(d => d.State));
        Assert.Equal(RolloutStatus.Completed, done.Status);
        Assert.All(done.Stages, s => Assert.Equal("passed", s.Outcome));
        Assert.Equal(Ten, bench.Ports.Assignments.Select(a => a.DeviceId));
        Assert.All(bench.Ports.Assignments, a => Assert.Equal((ScriptedModelPorts.NewSha, "rollout:1"), (a.Sha256, a.RolloutId)));
        Assert.Equal(("nanodet-coco", "2.0.0", 10), (done.ModelId, done.ModelVersion, done.Counts["active"]));
        var start = Assert.Single(audit!, e => e.Action == RolloutService.StartAction);
        Assert.Equal(("rollout:1", 10), (start.Target, (int)JsonNode.Parse(start.Details)!["devices"]!));
    }

    [Fact]
    public async Task Pass_CanaryRolledBack_PausesBeforeTheFirstWaveThenResumeGoesOn()
    {
        await using var bench = await RolloutBench.StartAsync();
        await bench.DevicesAsync(Ten[..4]);
        var id = (await (await bench.StartRolloutAsync(Request(Ten[..4]))).Content.ReadFromJsonAsync(RolloutJsonContext.Default.RolloutView))!.Id;

        bench.Ports.Updating("pole-00", ModelUpdateState.RolledBack, "soak: 6.1 frames/s below 0.8 of the previous model's 9.8");
        await bench.PassAsync();
        await bench.AdvanceAsync(Soak + TimeSpan.FromMinutes(1));
        var paused = await bench.GetAsync(id);
        var sentWhilePaused = bench.Ports.Assignments.Count;
        var resumed = await bench.ActAsync(id, "resume", "canary pole kept its old model; the model is fine elsewhere");
        await bench.AdvanceAsync(Soak + TimeSpan.FromMinutes(1));
        var after = await bench.GetAsync(id);
        var audit = await bench.Admin.GetFromJsonAsync("/api/audit", FleetJsonContext.Default.IReadOnlyListAuditEntry);

        Assert.Equal((RolloutStatus.Paused, 0), (paused.Status, paused.Stage));
        Assert.Equal("canary: pole-00 reported rolled-back: soak: 6.1 frames/s below 0.8 of the previous model's 9.8", paused.Reason);
        Assert.Equal(("rolled-back", "failed"), (paused.Devices[0].State, paused.Devices[0].Gate.Split(':')[0]));
        Assert.Equal(1, sentWhilePaused);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal((RolloutStatus.Running, 1, "waived"), (after.Status, after.Stage, after.Devices[0].Gate));
        Assert.Equal(["pole-00", "pole-01"], bench.Ports.Assignments.Select(a => a.DeviceId));
        var pause = Assert.Single(audit!, e => e.Action == RolloutService.PauseAction);
        Assert.Equal(RolloutDriver.Actor, pause.Actor);
        var resume = Assert.Single(audit!, e => e.Action == RolloutService.ResumeAction);
        Assert.Equal("pole-00", (string?)JsonNode.Parse(resume.Details)!["waived"]![0]);
    }

    [Fact]
    public async Task Pass_CanaryP95Regression_PausesAndAbortGivesEveryTouchedDeviceItsPreviousModel()
    {
        await using var bench = await RolloutBench.StartAsync();
        await bench.DevicesAsync(Ten[..4], p95: 20);
        bench.Ports.Running("pole-01", sha: null);
        var id = (await (await bench.StartRolloutAsync(Request(Ten[..4], canary: 2))).Content.ReadFromJsonAsync(RolloutJsonContext.Default.RolloutView))!.Id;

        await bench.ActivateAsync(["pole-00", "pole-01"], p95: 31);
        await bench.PassAsync();
        var paused = await bench.GetAsync(id);
        var aborted = await bench.ActAsync(id, "abort", "p95 regression on the canary");
        var view = await bench.GetAsync(id);
        var again = await bench.ActAsync(id, "resume", "too late");

        Assert.Equal(RolloutStatus.Paused, paused.Status);
        Assert.Equal("canary: pole-00: inference p95 31 ms against 20 ms under the previous model (+55 %, at most +25 %)", paused.Reason);
        Assert.Equal((31.0, 20.0), (paused.Devices[0].P95, paused.Devices[0].BaselineP95));
        Assert.Equal(HttpStatusCode.OK, aborted.StatusCode);
        Assert.Equal(RolloutStatus.Aborted, view.Status);
        Assert.Equal(
            [new Assigned("pole-00", ScriptedModelPorts.OldSha, "rollout:1", RolloutDriver.Actor), new Assigned("pole-01", null, "rollout:1", RolloutDriver.Actor)],
            bench.Ports.Assignments.Skip(2));
        Assert.Equal(["restored", "restored", "queued", "queued"], view.Devices.Select(d => d.State));
        Assert.Equal(["given back 1.0.0", "given back factory"], view.Devices.Take(2).Select(d => d.Reason));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Start_ModelLacksACategoryInUse_RefusedBeforeAnythingIsSent()
    {
        await using var bench = await RolloutBench.StartAsync();
        await bench.DevicesAsync(Ten[..3]);
        bench.Ports.Refusals["pole-02"] = "the model lacks category 'person' used by the enabled event 'intrusion' on camera cam-1";
        using var operatorClient = await bench.Fleet.ClientAsync(Role.Operator);

        var refused = await bench.StartRolloutAsync(Request(Ten[..3]));
        var problem = await refused.Content.ReadFromJsonAsync<JsonObject>();
        var forbidden = await operatorClient.PostAsJsonAsync("/api/rollouts", Request(Ten[..2]), RolloutJsonContext.Default.RolloutRequest);
        var invalid = await bench.StartRolloutAsync(new RolloutRequest("not-a-hash", Site: "x", All: true, Waves: [50, 40]));
        var invalidProblem = await invalid.Content.ReadFromJsonAsync<JsonObject>();
        var first = await bench.StartRolloutAsync(Request(Ten[..2]));
        var overlapping = await bench.StartRolloutAsync(Request(Ten[1..2]));
        var list = await bench.Admin.GetFromJsonAsync("/api/rollouts", RolloutJsonContext.Default.IReadOnlyListRolloutView);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal("pole-02: the model lacks category 'person' used by the enabled event 'intrusion' on camera cam-1", (string?)problem!["problems"]![0]);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(["package", "target", "waves"], invalidProblem!["errors"]!.AsObject().Select(e => e.Key).Order());
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Conflict), (first.StatusCode, overlapping.StatusCode));
        Assert.Equal(["pole-00"], bench.Ports.Assignments.Select(a => a.DeviceId));
        Assert.Single(list!);
    }

    [Fact]
    public async Task Driver_FleetRestartedMidRollout_GoesOnFromTheDatabase()
    {
        var directory = Directory.CreateTempSubdirectory("vsa-rollout-restart-").FullName;
        try
        {
            var ports = new ScriptedModelPorts();
            var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TimeProvider.System.GetUtcNow());
            long id;
            await using (var before = await RolloutBench.StartAsync(clock, ports, directory))
            {
                await before.DevicesAsync(Ten[..4]);
                id = (await (await before.StartRolloutAsync(Request(Ten[..4]))).Content.ReadFromJsonAsync(RolloutJsonContext.Default.RolloutView))!.Id;
                await before.ActivateAsync(["pole-00"]);
            }

            await using var after = await RolloutBench.StartAsync(clock, ports, directory);
            var reloaded = await after.GetAsync(id);
            await after.AdvanceAsync(Soak + TimeSpan.FromMinutes(1));
            var moved = await after.GetAsync(id);

            Assert.Equal((RolloutStatus.Running, 0, "active"), (reloaded.Status, reloaded.Stage, reloaded.Devices[0].State));
            Assert.Equal((1, "passed"), (moved.Stage, moved.Stages[0].Outcome));
            Assert.Equal(["pole-00", "pole-01"], ports.Assignments.Select(a => a.DeviceId));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
