using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Vsa.Edge.Console.Tests.Infrastructure;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using static Microsoft.Playwright.Assertions;

namespace Vsa.Edge.Console.Tests;

/// <summary>Roles, the device board and the languages.</summary>
[Collection(BrowserCollection.Name)]
public sealed class RoleAndBoardTests(BrowserFixture browser)
{
    [Fact]
    public async Task Auditor_SeesAlertButNoDecisionControls_AndForcedPostIsRefused()
    {
        await using var host = await ConsoleHost.StartAsync();
        var auditor = await host.CreateAccountAsync(Role.Auditor, "victor");
        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, auditor);
        await using var agent = await FakeAgent.ConnectAsync(host.BrokerPort, "pole-gare-01");
        var alert = Samples.AlertStart(agent.DeviceId, EventType.Weapon);
        await agent.PublishAsync(alert);
        await Expect(ConsolePage.Row(page, alert.AlertId)).ToBeVisibleAsync();

        await page.Keyboard.PressAsync("j");
        await page.Keyboard.PressAsync("c");

        await Expect(page.Locator("#detail-meta")).ToContainTextAsync(alert.AlertId);
        await Expect(page.Locator("#decision-readonly")).ToBeVisibleAsync();
        await Expect(page.Locator("#decision-actions")).ToBeHiddenAsync();
        await Expect(page.Locator("#decision-form")).ToBeHiddenAsync();
        await Expect(page.Locator("#btn-confirm")).ToBeHiddenAsync();
        var status = await page.EvaluateAsync<int>($$"""
            async () => (await fetch('api/alerts/{{alert.AlertId}}/decision', {
              method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ decision: 'confirmed' }) })).status
            """);
        Assert.Equal(403, status);
        await Expect(ConsolePage.Row(page, alert.AlertId)).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Board_TamperMaintenanceThenConnectionDrop_ShownWithoutReload()
    {
        await using var host = await ConsoleHost.StartAsync();
        var op = await host.CreateAccountAsync(Role.Operator, "alice");
        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, op);
        await page.Keyboard.PressAsync("g");
        await page.Keyboard.PressAsync("p");
        await using var agent = await FakeAgent.ConnectAsync(host.BrokerPort, "pole-gare-01");
        await agent.PublishAsync(Samples.Health(agent.DeviceId));
        var row = page.Locator("#devices tbody tr[data-device-id='pole-gare-01']");
        await Expect(row).ToHaveClassAsync(new Regex("\\bonline\\b"));
        await Expect(row).ToContainTextAsync("TensorRT");
        await Expect(row).ToContainTextAsync("nanodet-coco 1");
        await Expect(row).ToContainTextAsync("caméra hors ligne");
        await agent.PublishAsync(DeviceEventKind.Tamper);
        await Expect(row.Locator("td.conditions")).ToHaveTextAsync("boîtier ouvert");
        await agent.PublishAsync(DeviceEventKind.MaintenanceOn);
        await Expect(row.Locator("td.conditions")).ToHaveTextAsync("boîtier ouvert · maintenance");

        agent.Drop();

        await Expect(row).ToHaveClassAsync(new Regex("\\boffline\\b"));
        await Expect(row.Locator("td.status")).ToHaveTextAsync("hors ligne");
        await ConsolePage.ScreenshotAsync(page, "devices.png");
    }

    [Fact]
    public async Task Board_SortByHeaderAndFilterByTextAndState_StoppedAndSuspendedNamed()
    {
        await using var host = await ConsoleHost.StartAsync();
        var op = await host.CreateAccountAsync(Role.Operator, "alice");
        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, op);
        await page.Keyboard.PressAsync("g");
        await page.Keyboard.PressAsync("p");
        await using var gare = await FakeAgent.ConnectAsync(host.BrokerPort, "pole-gare-01");
        await using var parvis = await FakeAgent.ConnectAsync(host.BrokerPort, "pole-parvis");
        await using var quai = await FakeAgent.ConnectAsync(host.BrokerPort, "pole-quai-03");
        var running = new CameraHealth[] { new("cam-1", true, 9.8, 0, 4.9, 7.2) };
        await gare.PublishAsync(Samples.Health(gare.DeviceId));
        await parvis.PublishAsync(Samples.Health(parvis.DeviceId) with { Cameras = running, Outbox = new OutboxHealth(40, 81920, 9, 10, 0, 0, 0, 0, 0) });
        await quai.PublishAsync(Samples.Health(quai.DeviceId) with
        {
            Cameras = [new("cam-1", false, 0, 0, 0, 0, 120, true)],
            Outbox = new OutboxHealth(0, 0, null, 10, 0, 0, 0, 0, 0),
            Suspension = new SuspensionReport(3, true, false, []),
        });
        var rows = page.Locator("#devices tbody tr");
        var device = page.Locator("#devices th[data-sort='device']");
        var outbox = page.Locator("#devices th[data-sort='outbox']");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(device).ToHaveAttributeAsync("aria-sort", "ascending");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(rows.Last).ToHaveAttributeAsync("data-device-id", "pole-quai-03");
        await Expect(rows.First).ToHaveAttributeAsync("data-device-id", "pole-gare-01");
        Assert.Equal(["pole-gare-01", "pole-parvis", "pole-quai-03"], await DeviceIdsAsync(rows));

        // A stopped camera is named and in the alarm colour; a suspended device and camera say "suspendu".
        var stopped = rows.Nth(0).Locator(".camera.stopped");
        await Expect(stopped).ToHaveTextAsync("cam-2: caméra hors ligne");
        Assert.Equal("rgb(255, 107, 94)", await stopped.EvaluateAsync<string>("e => getComputedStyle(e).color"));
        await Expect(rows.Nth(2).Locator("td.status")).ToHaveTextAsync("en ligne · suspendu");
        await Expect(rows.Nth(2).Locator(".camera.suspended")).ToHaveTextAsync("cam-1: suspendu");

        await device.Locator("button").ClickAsync();
        await Expect(device).ToHaveAttributeAsync("aria-sort", "descending");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(rows.Last).ToHaveAttributeAsync("data-device-id", "pole-gare-01");
        await Expect(rows.First).ToHaveAttributeAsync("data-device-id", "pole-quai-03");
        Assert.Equal(["pole-quai-03", "pole-parvis", "pole-gare-01"], await DeviceIdsAsync(rows));
        await outbox.Locator("button").ClickAsync();
        await Expect(outbox).ToHaveAttributeAsync("aria-sort", "ascending");
        await Expect(device).Not.ToHaveAttributeAsync("aria-sort", new Regex("."));
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(rows.Last).ToHaveAttributeAsync("data-device-id", "pole-parvis");
        await Expect(rows.First).ToHaveAttributeAsync("data-device-id", "pole-quai-03");
        Assert.Equal(["pole-quai-03", "pole-gare-01", "pole-parvis"], await DeviceIdsAsync(rows));
        await ConsolePage.ScreenshotAsync(page, "board-1920.png");
        await page.SetViewportSizeAsync(1280, 800);
        await ConsolePage.ScreenshotAsync(page, "board-1280.png");

        await page.Locator("#devices-search").FillAsync("PARVIS");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToHaveAttributeAsync("data-device-id", "pole-parvis");
        await Expect(page.Locator("#devices-count")).ToHaveTextAsync("3 appareils, 3 en ligne · 1 retenu(s) par les filtres · page 1 / 1");
        await page.Locator("#devices-search").FillAsync(string.Empty);
        await page.Locator("#devices-state").SelectOptionAsync("stopped");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToHaveAttributeAsync("data-device-id", "pole-gare-01");
        await page.Locator("#devices-state").SelectOptionAsync("suspended");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToHaveAttributeAsync("data-device-id", "pole-quai-03");

        // A heartbeat while filtered re-renders under the same filter; clearing the filters shows every device again.
        await parvis.PublishAsync(Samples.Health(parvis.DeviceId));
        await Expect(rows).ToHaveCountAsync(1);
        await page.Locator("#devices-reset").ClickAsync();
        await Expect(rows).ToHaveCountAsync(3);
    }

    private static async Task<string[]> DeviceIdsAsync(ILocator rows) =>
        [.. await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.deviceId)")];

    [Fact]
    public async Task LanguageAndHelp_FrenchByDefault_ShortcutsShown_EnglishSwitchRemembered()
    {
        await using var host = await ConsoleHost.StartAsync();
        var op = await host.CreateAccountAsync(Role.Operator, "alice");
        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, op);
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "fr");
        await Expect(page.Locator("#queue-title")).ToContainTextAsync("Alertes à traiter");

        await page.Keyboard.PressAsync("?");
        await Expect(page.Locator("#help")).ToBeVisibleAsync();
        await Expect(page.Locator("#help")).ToContainTextAsync("Raccourcis clavier");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("#help")).ToBeHiddenAsync();

        await page.Locator("#lang").SelectOptionAsync("en");
        await Expect(page.Locator("#queue-title")).ToContainTextAsync("Alerts to review");
        await page.ReloadAsync();

        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Expect(page.Locator("#queue-title")).ToContainTextAsync("Alerts to review");
        await Expect(page.Locator("#nav-evaluation")).ToHaveTextAsync("Evaluation");
        var missing = await page.EvaluateAsync<int>("() => document.body.innerText.split('[').filter(s => /^[a-z]+\\.[a-zA-Z.]+\\]/.test(s)).length");
        Assert.Equal(0, missing);
    }
}
