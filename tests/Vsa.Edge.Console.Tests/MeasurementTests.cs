using System.Text.Json;
using Microsoft.Playwright;
using Vsa.Edge.Console.Tests.Infrastructure;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Vsa.Edge.Console.Tests;

/// <summary>
/// Figures, not assertions on time: publish → on-screen latency over 100 alerts on loopback, and the console's page weight.
/// Run alone with <c>dotnet test tests/Vsa.Edge.Console.Tests --filter Category=Measurement</c>; results are printed and
/// written to <c>measurements/console.json</c> in the test output folder.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class MeasurementTests(BrowserFixture browser, ITestOutputHelper output)
{
    private const int Alerts = 100;

    // Records, for each queue row, the wall-clock time (Date.now(), the same clock as the publisher's) of its insertion.
    private const string ObserveRows = """
        () => {
          window.__seen = {};
          new MutationObserver((mutations) => {
            const now = Date.now();
            for (const m of mutations) for (const n of m.addedNodes) {
              const id = n.dataset && n.dataset.alertId;
              if (id && !(id in window.__seen)) window.__seen[id] = now;
            }
          }).observe(document.querySelector('#queue tbody'), { childList: true });
        }
        """;

    [Fact]
    [Trait("Category", "Measurement")]
    public async Task Measure_PublishToScreenLatencyAndPageWeight()
    {
        await using var host = await ConsoleHost.StartAsync();
        var op = await host.CreateAccountAsync(Role.Operator, "alice");
        var page = await browser.NewPageAsync();
        var transferred = new List<(string Url, long Bytes)>();
        page.RequestFinished += async (_, request) =>
        {
            var sizes = await request.SizesAsync();
            lock (transferred)
            {
                transferred.Add((request.Url, sizes.ResponseHeadersSize + sizes.ResponseBodySize));
            }
        };
        await ConsolePage.SignInAsync(page, host, op);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        long consoleBytes;
        long apiBytes;
        lock (transferred)
        {
            consoleBytes = transferred.Where(t => !t.Url.Contains("/api/", StringComparison.Ordinal)).Sum(t => t.Bytes);
            apiBytes = transferred.Where(t => t.Url.Contains("/api/", StringComparison.Ordinal)).Sum(t => t.Bytes);
            foreach (var (url, bytes) in transferred)
            {
                output.WriteLine($"{bytes,8} B  {url}");
            }
        }

        await page.EvaluateAsync(ObserveRows);
        await using var agent = await FakeAgent.ConnectAsync(host.BrokerPort, "pole-bench-01");
        var latencies = new List<double>();
        for (var i = 0; i < Alerts; i++)
        {
            var alert = Samples.AlertStart(agent.DeviceId, (EventType)(i % 8), cameraId: $"cam-{i % 4}");
            var publishedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await agent.PublishAsync(alert);
            await page.WaitForFunctionAsync($"() => '{alert.AlertId}' in window.__seen");
            latencies.Add(await page.EvaluateAsync<double>($"() => window.__seen['{alert.AlertId}']") - publishedAt);
        }

        await Expect(page.Locator("#queue tbody tr[data-alert-id]")).ToHaveCountAsync(Alerts);
        latencies.Sort();
        var figures = new
        {
            alerts = Alerts,
            latencyMsP50 = Percentile(latencies, 0.50),
            latencyMsP95 = Percentile(latencies, 0.95),
            latencyMsMax = latencies[^1],
            consoleFilesBytes = consoleBytes,
            firstLoadApiBytes = apiBytes,
        };
        var json = JsonSerializer.Serialize(figures);
        output.WriteLine(json);
        var directory = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "measurements")).FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "console.json"), json);
        Assert.Equal(Alerts, latencies.Count);
        Assert.True(consoleBytes > 0, "no console file was counted");
    }

    // Nearest-rank percentile of sorted values.
    private static double Percentile(List<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
