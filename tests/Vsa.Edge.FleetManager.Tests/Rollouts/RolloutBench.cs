using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Rollouts;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Rollouts;

/// <summary>
/// A real fleet manager with a fake clock, the scripted model ports and an administrator's client, and the signals a rollout
/// test waits on: a pass of the driver after a wake or after the clock moved.
/// </summary>
public sealed class RolloutBench : IAsyncDisposable
{
    private RolloutBench(FleetApp fleet, FakeTimeProvider clock, ScriptedModelPorts ports, HttpClient admin)
    {
        Fleet = fleet;
        Clock = clock;
        Ports = ports;
        Admin = admin;
    }

    /// <summary>The fleet manager.</summary>
    public FleetApp Fleet { get; }

    /// <summary>Its clock.</summary>
    public FakeTimeProvider Clock { get; }

    /// <summary>Its model ports.</summary>
    public ScriptedModelPorts Ports { get; }

    /// <summary>An administrator's client.</summary>
    public HttpClient Admin { get; }

    /// <summary>Starts a fleet manager (on <paramref name="dataDirectory"/> when given, to restart on the same database).</summary>
    public static async Task<RolloutBench> StartAsync(FakeTimeProvider? clock = null, ScriptedModelPorts? ports = null, string? dataDirectory = null, string? postgres = null)
    {
        clock ??= new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        ports ??= new ScriptedModelPorts();
        var fleet = await FleetApp.StartAsync(services: s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            ports.Register(s);
        }, dataDirectory: dataDirectory, waitForSubscription: false, postgres: postgres);
        return new(fleet, clock, ports, await fleet.SignInAsync(Role.Admin, $"admin-{Guid.NewGuid():N}"));
    }

    /// <summary>Makes devices known, running the old model, with a heartbeat of <paramref name="p95"/> ms and <paramref name="fps"/>.</summary>
    public async Task DevicesAsync(IEnumerable<string> deviceIds, double p95 = 20, double fps = 10)
    {
        foreach (var id in deviceIds)
        {
            await Fleet.KnowDeviceAsync(id);
            Ports.Running(id);
            await HeartbeatAsync(id, p95, fps);
        }
    }

    /// <summary>A heartbeat of <paramref name="deviceId"/> sent one second after the clock's now.</summary>
    public Task HeartbeatAsync(string deviceId, double p95, double fps = 10)
    {
        var health = Samples.Health(deviceId, Clock.GetUtcNow().AddSeconds(1)) with { Cameras = [new CameraHealth("cam-1", true, fps, 0, p95 / 2, p95)] };
        return Fleet.Services.GetRequiredService<DeviceStore>().ApplyHeartbeatAsync(health, Clock.GetUtcNow(), CancellationToken.None);
    }

    /// <summary>Wakes the driver and waits for a whole pass that started after the call.</summary>
    public Task PassAsync()
    {
        var driver = Fleet.Services.GetRequiredService<RolloutDriver>();
        var next = driver.NextPassAsync();
        driver.Wake();
        return next.WaitAsync(FleetApp.Timeout);
    }

    /// <summary>Moves the clock on and waits for the pass its timer triggers.</summary>
    public Task AdvanceAsync(TimeSpan by)
    {
        var next = Fleet.Services.GetRequiredService<RolloutDriver>().NextPassAsync();
        Clock.Advance(by);
        return next.WaitAsync(FleetApp.Timeout);
    }

    /// <summary><c>POST /api/rollouts</c>.</summary>
    public Task<HttpResponseMessage> StartRolloutAsync(RolloutRequest request) =>
        Admin.PostAsJsonAsync("/api/rollouts", request, RolloutJsonContext.Default.RolloutRequest);

    /// <summary><c>GET /api/rollouts/{id}</c>.</summary>
    public async Task<RolloutView> GetAsync(long id) =>
        (await Admin.GetFromJsonAsync($"/api/rollouts/{id}", RolloutJsonContext.Default.RolloutView))!;

    /// <summary><c>POST /api/rollouts/{id}/{action}</c>.</summary>
    public Task<HttpResponseMessage> ActAsync(long id, string action, string reason) =>
        Admin.PostAsJsonAsync($"/api/rollouts/{id}/{action}", new RolloutActionRequest(reason), RolloutJsonContext.Default.RolloutActionRequest);

    /// <summary>Devices of the current stage report the new model active, then a heartbeat at <paramref name="p95"/> ms.</summary>
    public async Task ActivateAsync(IEnumerable<string> deviceIds, double p95 = 21)
    {
        var ids = deviceIds.ToArray();
        foreach (var id in ids)
        {
            Ports.Updating(id, ModelUpdateState.Active);
        }

        await PassAsync();
        foreach (var id in ids)
        {
            await HeartbeatAsync(id, p95);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Fleet.DisposeAsync();
    }
}
