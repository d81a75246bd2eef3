using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.Console.Tests.Infrastructure;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.ModelUpdates;
using Vsa.Edge.FleetManager.Rollouts;
using static Microsoft.Playwright.Assertions;

namespace Vsa.Edge.Console.Tests.Admin;

/// <summary>The administrator's rollout screen and the model column of the device board, in the browser.</summary>
[Collection(BrowserCollection.Name)]
public sealed class RolloutScreensTests(BrowserFixture browser)
{
    private const string Package = "2222222222222222222222222222222222222222222222222222222222222222";

    [Fact]
    public async Task RolloutScreen_CanaryRolledBack_PausedWithTheReasonThenResumedAfterConfirmation()
    {
        var ports = new ReportingPorts();
        await using var host = await ConsoleHost.StartAsync(services: s =>
        {
            s.AddSingleton<IModelAssigner>(ports);
            s.AddSingleton<IModelReports>(ports);
        });
        var devices = host.Services.GetRequiredService<DeviceStore>();
        string[] ids = ["pole-nord-01", "pole-nord-02", "pole-nord-03", "pole-sud-01"];
        foreach (var id in ids)
        {
            var now = DateTimeOffset.UtcNow;
            await devices.ApplyHeartbeatAsync(new HealthMessage(HealthMessage.SchemaId, HealthMessage.CurrentVersion, id, now, 600, "0.1.0", "CPU",
                new ModelRef("nanodet-coco", "1.0.0"), [new CameraHealth("cam-1", true, 9.8, 0, 10, 21)]), now, CancellationToken.None);
            ports.Set(id, "1.0.0", null);
        }

        var admin = await host.CreateAccountAsync(Role.Admin, "ada");
        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, admin);
        var created = await AdminPage.StatusAsync(page, "POST", "api/rollouts",
            $"{{\"package\":\"{Package}\",\"devices\":[\"{string.Join("\",\"", ids)}\"],\"canaryDevices\":1,\"waves\":[50,100],\"soakMinutes\":30}}");
        ports.Set(ids[0], "1.0.0", new ModelUpdateReport("nanodet-coco", "2.0.0", Package, ModelUpdateState.RolledBack,
            "soak: 6.1 frames/s below 0.8 of the previous model's 9.8", DateTimeOffset.UtcNow, "rollout:1"));
        ports.Set(ids[1], "1.0.0", new ModelUpdateReport("nanodet-coco", "3.0.0", new string('3', 64), ModelUpdateState.Failed,
            "validation-failed: frame 2: person at IoU 0.41 < 0.7", DateTimeOffset.UtcNow));
        var driver = host.Services.GetRequiredService<RolloutDriver>();
        var pass = driver.NextPassAsync();
        driver.Wake();
        await pass.WaitAsync(ConsoleHost.Timeout);

        await AdminPage.OpenAsync(page, "#/admin/rollout/1");
        await Expect(page.Locator("#rollout-reason")).ToContainTextAsync("En pause : canary: pole-nord-01 reported rolled-back");
        await Expect(page.Locator("tr[data-device='pole-nord-01']")).ToContainTextAsync("failed: pole-nord-01");
        await AdminPage.ScreenshotsAsync(page, "admin-rollout");

        await page.Locator("#rollout-reason-input").FillAsync("le poteau canari garde son modèle ; vérifié sur place");
        await page.Locator("#rollout-resume").ClickAsync();
        await page.Locator(".confirm-dialog button[value=ok]").ClickAsync();
        await Expect(page.Locator("#rollout-status")).ToHaveTextAsync("en cours");

        await AdminPage.OpenAsync(page, "#/admin/devices");
        await Expect(page.Locator("tr[data-device='pole-nord-02'] .model-state")).ToContainTextAsync("3.0.0 failed (validation-failed");
        await AdminPage.ScreenshotsAsync(page, "admin-devices-models");
        Assert.Equal(201, created);
        Assert.Equal(["pole-nord-01"], ports.Assigned);
    }

    // The model ports until the fleet's model delivery is merged: records assignments, returns the reports the test sets.
    private sealed class ReportingPorts : IModelAssigner, IModelReports
    {
        private readonly ConcurrentDictionary<string, ModelReportedMessage> _reports = new(StringComparer.Ordinal);
        private readonly ConcurrentQueue<string> _assigned = new();

        public IReadOnlyList<string> Assigned => [.. _assigned];

        public void Set(string deviceId, string version, ModelUpdateReport? update) =>
            _reports[deviceId] = new(ModelReportedMessage.SchemaId, ModelReportedMessage.CurrentVersion, deviceId, DateTimeOffset.UtcNow,
                [new ModelSlotReport("detector", "nanodet-coco", version, new string('1', 64), null, update)]);

        public Task<ModelAssignment> AssignAsync(string deviceId, string? packageSha256, string? rolloutId, string actor, CancellationToken cancellationToken)
        {
            _assigned.Enqueue(deviceId);
            return Task.FromResult(new ModelAssignment(true, null, _assigned.Count));
        }

        public Task<ModelAssignment> CheckAsync(string deviceId, string? packageSha256, CancellationToken cancellationToken) =>
            Task.FromResult(new ModelAssignment(true, null, null));

        public Task<ModelReportedMessage?> LatestAsync(string deviceId, CancellationToken cancellationToken) =>
            Task.FromResult(_reports.GetValueOrDefault(deviceId));

        public Task<IReadOnlyDictionary<string, ModelReportedMessage>> LatestAsync(IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyDictionary<string, ModelReportedMessage>>(deviceIds.Where(_reports.ContainsKey).ToDictionary(d => d, d => _reports[d], StringComparer.Ordinal));
    }
}
