using System.Text.RegularExpressions;
using Vsa.Edge.Console.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Accounts;
using static Microsoft.Playwright.Assertions;

namespace Vsa.Edge.Console.Tests;

/// <summary>The device board with real enrolments and configurations: sites, devices never connected, drift until the report.</summary>
[Collection(BrowserCollection.Name)]
public sealed class BoardConfigTests(BrowserFixture browser)
{
    [Fact]
    public async Task Board_EnrolledAndConfiguredNeverConnected_ThenConnectsAndReports_DriftClearsWithoutReload()
    {
        await using var host = await ConsoleHost.StartAsync();
        var op = await host.CreateAccountAsync(Role.Operator, "alice");
        using var admin = await FleetAdmin.CreateAsync(host);
        await admin.EnrolAsync("pole-parvis", "Parvis Part-Dieu");
        await admin.EnrolAsync("pole-gare-01", "Gare Part-Dieu");
        await admin.AuthoriseAsync("pole-gare-01", "cam-1", "intrusion");
        await admin.AuthoriseAsync("pole-parvis", "cam-1", "intrusion");
        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, op);
        await page.Keyboard.PressAsync("g");
        await page.Keyboard.PressAsync("p");

        // Enrolled, never connected: on the board all the same, under its site.
        var parvis = page.Locator("#devices tbody tr[data-device-id='pole-parvis']");
        var gare = page.Locator("#devices tbody tr[data-device-id='pole-gare-01']");
        await Expect(parvis.Locator("td.site")).ToHaveTextAsync("Parvis Part-Dieu (pole-parvis)");
        await Expect(parvis.Locator("td.status")).ToHaveTextAsync("jamais connecté");
        await Expect(parvis).ToHaveClassAsync(new Regex("\\bnever\\b"));
        await Expect(parvis.Locator("td.config")).ToHaveTextAsync("—");

        // A desired configuration: the live "device" event shows the new version and the drift, the device not having said anything.
        var version = await admin.PutConfigAsync("pole-gare-01", Samples.Camera("cam-1"));
        await Expect(gare.Locator("td.config")).ToHaveTextAsync($"voulue {version}, appliquée non rapportée · écart");
        await Expect(gare.Locator("td.config")).ToHaveClassAsync(new Regex("\\bdrift\\b"));
        await Expect(gare.Locator("td.status")).ToHaveTextAsync("jamais connecté");

        await using var agent = await FakeAgent.ConnectAsync(host.BrokerPort, "pole-gare-01");
        await agent.PublishAsync(Samples.Health(agent.DeviceId));
        await Expect(gare.Locator("td.status")).ToHaveTextAsync("en ligne");
        await Expect(gare.Locator("td.config")).ToHaveClassAsync(new Regex("\\bdrift\\b"));

        await agent.PublishAsync(Samples.Reported(agent.DeviceId, version));

        await Expect(gare.Locator("td.config")).ToHaveTextAsync($"voulue {version}, appliquée {version} · à jour");
        await Expect(gare.Locator("td.config")).ToHaveClassAsync(new Regex("\\bsync\\b"));
        await Expect(gare).Not.ToHaveClassAsync(new Regex("\\bdrift\\b"));

        // Configured before it ever connects: the board shows the drift on a device still waiting for its first connection.
        var parvisVersion = await admin.PutConfigAsync("pole-parvis", Samples.Camera("cam-1"));
        await Expect(parvis.Locator("td.config")).ToHaveTextAsync($"voulue {parvisVersion}, appliquée non rapportée · écart");
        await Expect(parvis.Locator("td.status")).ToHaveTextAsync("jamais connecté");
        await ConsolePage.ScreenshotAsync(page, "board.png");
    }
}
