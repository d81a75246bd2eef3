using System.Text.Json;
using Vsa.Edge.Console.Tests.Infrastructure;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.Testing;
using static Microsoft.Playwright.Assertions;

namespace Vsa.Edge.Console.Tests;

/// <summary>The real agent executable replays the demo clip and publishes to the fleet the operator's browser watches.</summary>
[Collection(BrowserCollection.Name)]
public sealed class RealAgentTests(BrowserFixture browser)
{
    private static readonly TimeSpan AgentTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task RealAgentReplay_EveryAlertItRaisesAppearsInTheQueue()
    {
        await using var host = await ConsoleHost.StartAsync();
        var op = await host.CreateAccountAsync(Role.Operator, "alice");
        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, op);
        var work = Directory.CreateTempSubdirectory("vsa-console-agent-").FullName;
        try
        {
            var events = Path.Combine(work, "events.jsonl");
            var camera = Path.Combine(TestAssets.RepositoryRoot, "agent", "Vsa.Edge.Agent", "samples", "vtest-camera.json");
            await using (var agent = ChildProcess.StartBuiltTool(
                "vsa-agent",
                ["analyze", "--source", TestAssets.DemoClip, "--camera", camera, "--every", "3", "--providers", "CPU",
                 "--publish", $"mqtt://127.0.0.1:{host.BrokerPort}", "--device-id", "pole-demo", "--development", "--events-out", events,
                 "--data-dir", Path.Combine(work, "agent")]))
            {
                Assert.True(await agent.WaitForExitAsync(AgentTimeout) == 0, agent.Output);
            }

            var alertIds = File.ReadAllLines(events).Where(l => l.Length > 0)
                .Select(l => JsonSerializer.Deserialize(l, ContractsJsonContext.Default.AlertMessage)!.AlertId)
                .Distinct().ToList();
            Assert.NotEmpty(alertIds);

            // The agent has exited once its outbox is delivered; the rows arrive over the live stream, no reload.
            await Expect(page.Locator("#queue tbody tr[data-alert-id]")).ToHaveCountAsync(alertIds.Count);
            foreach (var alertId in alertIds)
            {
                await Expect(ConsolePage.Row(page, alertId)).ToContainTextAsync("pole-demo");
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
