using Vsa.Edge.Console.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Accounts;
using static Microsoft.Playwright.Assertions;

namespace Vsa.Edge.Console.Tests;

/// <summary>The kill switch in the console: a supervisor suspends with a reason and a confirmation; every console shows the banner.</summary>
[Collection(BrowserCollection.Name)]
public sealed class KillSwitchTests(BrowserFixture browser)
{
    [Fact]
    public async Task Suspend_SupervisorConfirmsWithReason_BannerOnOperatorConsoleUntilResumed()
    {
        await using var host = await ConsoleHost.StartAsync();
        var chief = await host.CreateAccountAsync(Role.Supervisor, "chef");
        var op = await host.CreateAccountAsync(Role.Operator, "alice");
        await using var agent = await FakeAgent.ConnectAsync(host.BrokerPort, "pole-gare-01");
        await agent.PublishAsync(Samples.Health(agent.DeviceId));
        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, chief);

        await page.Locator("#suspension-banner summary").ClickAsync();
        await page.Locator("#suspend-scope").SelectOptionAsync("device");
        await page.Locator("#suspend-target").FillAsync("pole-gare-01");
        await page.Locator("#suspend-reason").FillAsync("réquisition du préfet");
        await page.Locator("#suspend-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#suspend-confirm")).ToContainTextAsync("appareil pole-gare-01");
        await page.Locator("#suspend-yes").ClickAsync();
        await Expect(page.Locator("#suspension-banner li")).ToContainTextAsync("réquisition du préfet");
        await ConsolePage.ScreenshotAsync(page, "killswitch-supervisor.png");

        var operatorPage = await browser.NewPageAsync(1280, 800);
        await ConsolePage.SignInAsync(operatorPage, host, op);
        await Expect(operatorPage.Locator("#suspension-banner")).ToContainTextAsync("Analyse suspendue");
        await Expect(operatorPage.Locator("#suspension-banner")).ToContainTextAsync("appareil pole-gare-01 — réquisition du préfet (par chef");
        await Expect(operatorPage.Locator("#suspension-banner button")).ToHaveCountAsync(0);
        await ConsolePage.ScreenshotAsync(operatorPage, "killswitch-operator.png");
        var forced = await operatorPage.EvaluateAsync<int>("""
            async () => (await fetch('api/suspensions', { method: 'POST', headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({ scope: 'global', reason: 'not mine to decide' }) })).status
            """);

        page.Dialog += async (_, dialog) => await dialog.AcceptAsync("levée de la réquisition");
        await page.Locator("#suspension-banner button.resume").ClickAsync();
        await Expect(page.Locator("#suspension-banner li")).ToHaveCountAsync(0);
        await operatorPage.ReloadAsync();
        await Expect(operatorPage.Locator("#account-name")).ToBeVisibleAsync();

        Assert.Equal(403, forced);
        await Expect(operatorPage.Locator("#suspension-banner")).ToBeHiddenAsync();
    }
}
