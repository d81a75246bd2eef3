using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.Console.Tests.Infrastructure;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Storage;
using static Microsoft.Playwright.Assertions;

namespace Vsa.Edge.Console.Tests.Admin;

/// <summary>The auditor's page on a fleet of its own (the test tampers with its database).</summary>
[Collection(BrowserCollection.Name)]
public sealed class AuditorScreensTests(BrowserFixture browser)
{
    [Fact]
    public async Task AuditPage_TamperedDatabase_ChainShownBrokenAtTheEntry()
    {
        await using var host = await ConsoleHost.StartAsync();
        var op = await host.CreateAccountAsync(Role.Operator, "oscar");
        var auditor = await host.CreateAccountAsync(Role.Auditor, "vera");

        // Two decisions by an operator: one confirmed, one dismissed as a false detection.
        var operatorPage = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(operatorPage, host, op);
        await using var agent = await FakeAgent.ConnectAsync(host.BrokerPort, "pole-gare-01");
        var first = Samples.AlertStart(agent.DeviceId);
        var second = Samples.AlertStart(agent.DeviceId, EventType.Weapon);
        await agent.PublishAsync(first);
        await agent.PublishAsync(second);
        await Expect(ConsolePage.Row(operatorPage, second.AlertId)).ToBeVisibleAsync();
        Assert.Equal(200, await AdminPage.StatusAsync(operatorPage, "POST", $"api/alerts/{first.AlertId}/decision", "{\"decision\":\"confirmed\"}"));
        Assert.Equal(200, await AdminPage.StatusAsync(operatorPage, "POST", $"api/alerts/{second.AlertId}/decision", "{\"decision\":\"dismissed\",\"reason\":\"false_detection\",\"comment\":\"parapluie\"}"));

        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, auditor);
        await page.Locator("#nav-audit").ClickAsync();
        await Expect(page.Locator("#audit-verdict")).ToContainTextAsync("Chaîne intègre.");
        await Expect(page.Locator("#audit-log tr[data-sequence]").First).ToBeVisibleAsync();
        await Expect(page.Locator("#audit-log")).ToContainTextAsync("alert.decision");
        await Expect(page.Locator("#decision-breakdown tr[data-reason='false_detection']")).ToContainTextAsync("Fausse détection1");
        await Expect(page.Locator("#decision-breakdown tr[data-operator='oscar']")).ToContainTextAsync("oscar11");
        await Expect(page.Locator($"#decision-list tr[data-alert-id='{second.AlertId}']")).ToContainTextAsync("parapluie");
        await AdminPage.ScreenshotsAsync(page, "audit");

        // Someone with write access to the database file drops the append-only trigger and rewrites who did entry 2.
        var file = host.Services.GetRequiredService<FleetDatabase>().SqliteFile!;
        await using (var connection = new SqliteConnection($"Data Source={file};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE sequence = 2;";
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await page.Locator("#audit-reverify").ClickAsync();
        await Expect(page.Locator("#audit-verdict")).ToContainTextAsync("Chaîne rompue.");
        await Expect(page.Locator("#audit-verdict")).ToContainTextAsync("entry #2 does not match its hash: modified.");
        await Expect(page.Locator("#audit-log tr[data-sequence='2']")).ToHaveClassAsync("broken-row");
        await Expect(page.Locator("#audit-log tr[data-sequence='2']")).ToContainTextAsync("mallory");
        await AdminPage.ScreenshotsAsync(page, "audit-broken");
    }
}
