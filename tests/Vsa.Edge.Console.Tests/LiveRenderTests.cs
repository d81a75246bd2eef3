using Vsa.Edge.Console.Tests.Infrastructure;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using static Microsoft.Playwright.Assertions;

namespace Vsa.Edge.Console.Tests;

/// <summary>
/// What a live alert costs the page (publish → on screen, issue 17 item 6): its own row and, for a camera not yet pending,
/// one filter option; the rows already shown are not rewritten, yet still follow what they borrow (the language here).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LiveRenderTests(BrowserFixture browser)
{
    // Notes every attribute written on a cell of a row present now, and marks the camera filter's options present now.
    private const string Watch = """
        () => {
          window.__cellWrites = 0;
          const old = new Set(document.querySelectorAll('#queue tbody tr[data-alert-id]'));
          new MutationObserver((records) => {
            for (const r of records) if (r.target.nodeName === 'TD' && old.has(r.target.parentElement)) window.__cellWrites++;
          }).observe(document.querySelector('#queue tbody'), { attributes: true, subtree: true });
          for (const o of document.querySelectorAll('#filter-camera option')) o.__kept = true;
        }
        """;

    [Fact]
    public async Task LiveAlert_NewCamera_AddsItsRowAndOneFilterOption_OtherRowsNotRewrittenButStillTranslated()
    {
        await using var host = await ConsoleHost.StartAsync();
        var op = await host.CreateAccountAsync(Role.Operator, "alice");
        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, op);
        await using var agent = await FakeAgent.ConnectAsync(host.BrokerPort, "pole-gare-01");
        var first = Samples.AlertStart(agent.DeviceId, EventType.Intrusion, cameraId: "cam-1");
        var second = Samples.AlertStart(agent.DeviceId, EventType.WrongWay, cameraId: "cam-2");
        await agent.PublishAsync(first);
        await agent.PublishAsync(second);
        await Expect(page.Locator("#queue tbody tr[data-alert-id]")).ToHaveCountAsync(2);
        await Expect(page.Locator("#filter-camera option")).ToHaveCountAsync(3); // "Tous", cam-1, cam-2
        await page.Locator("#filter-camera").SelectOptionAsync("pole-gare-01/cam-2");
        await page.EvaluateAsync(Watch);

        var third = Samples.AlertStart(agent.DeviceId, EventType.Intrusion, cameraId: "cam-3");
        await agent.PublishAsync(third);

        // The new camera's option is inserted in its place; the options already there are the same elements, and the
        // operator's choice stays (the new alert is pending but hidden by it).
        await Expect(page.Locator("#filter-camera option")).ToHaveCountAsync(4);
        Assert.Equal(["", "pole-gare-01/cam-1", "pole-gare-01/cam-2", "pole-gare-01/cam-3"],
            await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#filter-camera option')].map((o) => o.value)"));
        Assert.Equal(3, await page.EvaluateAsync<int>("() => [...document.querySelectorAll('#filter-camera option')].filter((o) => o.__kept).length"));
        await Expect(page.Locator("#filter-camera")).ToHaveValueAsync("pole-gare-01/cam-2");
        await Expect(ConsolePage.Row(page, third.AlertId)).ToHaveCountAsync(1);
        await Expect(ConsolePage.Row(page, third.AlertId)).ToBeHiddenAsync();
        await Expect(ConsolePage.Row(page, second.AlertId)).ToBeVisibleAsync();
        Assert.Equal(0, await page.EvaluateAsync<int>("() => window.__cellWrites"));

        // What a row borrows still reaches it: another language rewrites the rows already shown.
        await page.Locator("#filter-reset").ClickAsync();
        await page.Locator("#lang").SelectOptionAsync("en");
        await Expect(ConsolePage.Row(page, first.AlertId).Locator("td.event")).ToHaveTextAsync("Zone intrusion");
        await Expect(ConsolePage.Row(page, second.AlertId).Locator("td.event")).ToHaveTextAsync("Wrong way");
        await Expect(page.Locator("#filter-camera option").First).ToHaveTextAsync("All");
    }
}
