using System.Text.RegularExpressions;
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
