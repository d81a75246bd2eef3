using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Metrics;

/// <summary>
/// The fleet's Prometheus scrape endpoint: who may read it, and that its counters equal what was sent. Alone in its
/// collection: OpenTelemetry listens to meters by name process-wide, so another fleet started by a parallel test would
/// add its own messages to the counts.
/// </summary>
[Collection(nameof(ProcessWideMeters))]
public sealed class MetricsScrapeTests
{
    private const string Token = "scrape-token-0123456789abcdef0123456789";

    [Fact]
    public async Task Scrape_AfterKnownLoad_CountersEqualWhatWasSent()
    {
        await using var fleet = await FleetApp.StartAsync(new Dictionary<string, string?> { ["Fleet:Metrics:ScrapeToken"] = Token });
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-31");
        const int Alerts = 25;
        const int Malformed = 3;
        for (var i = 0; i < Malformed; i++)
        {
            await device.PublishRawAsync($"vsa/v1/{device.DeviceId}/alerts", "{ not json");
        }

        string last = string.Empty;
        for (var i = 0; i < Alerts; i++)
        {
            var alert = Samples.AlertStart(device.DeviceId, startedAt: Samples.T0.AddSeconds(i));
            await device.PublishAsync(alert);
            last = alert.AlertId;
        }

        // Same connection, one writer: once the last alert is stored, everything before it was handled.
        await fleet.WaitForAlertAsync(last);
        using var scraper = fleet.CreateClient();
        scraper.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var response = await scraper.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Alerts, Sum(text, "vsa_fleet_messages_total", "kind=\"alert\"", "outcome=\"accepted\""));
        Assert.Equal(Malformed, Sum(text, "vsa_fleet_messages_total", "outcome=\"rejected\""));
        Assert.Equal(fleet.Statistics.Snapshot().Alerts, Sum(text, "vsa_fleet_messages_total", "kind=\"alert\"", "outcome=\"accepted\""));
        Assert.True(Sum(text, "vsa_fleet_db_transaction_duration_seconds_count") > 0, "no database transaction timed");
        Assert.True(Sum(text, "vsa_fleet_ingestion_batches_total") is > 0 and <= Alerts + Malformed, "batches out of range");
        Assert.Contains("vsa_fleet_alerts_pending", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_FromElsewhere_OnlyLoopbackOrToken()
    {
        await using (var open = await FleetApp.StartAsync(services: TestRemoteAddress.Register, waitForSubscription: false))
        {
            // No token set: the endpoint does not exist for another machine.
            Assert.Equal(HttpStatusCode.NotFound, await ScrapeAsync(open, "203.0.113.9", null));
            Assert.Equal(HttpStatusCode.OK, await ScrapeAsync(open, "127.0.0.1", null));

            // Through a reverse proxy on the same host: loopback, but forwarded from elsewhere.
            using var proxied = open.CreateClient();
            proxied.DefaultRequestHeaders.Add(TestRemoteAddress.Header, "127.0.0.1");
            proxied.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.9");
            using var response = await proxied.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        await using var guarded = await FleetApp.StartAsync(new Dictionary<string, string?> { ["Fleet:Metrics:ScrapeToken"] = Token }, services: TestRemoteAddress.Register, waitForSubscription: false);
        Assert.Equal(HttpStatusCode.Unauthorized, await ScrapeAsync(guarded, "203.0.113.9", null));
        Assert.Equal(HttpStatusCode.Unauthorized, await ScrapeAsync(guarded, "203.0.113.9", Token + "x"));
        Assert.Equal(HttpStatusCode.OK, await ScrapeAsync(guarded, "203.0.113.9", Token));
    }

    private static async Task<HttpStatusCode> ScrapeAsync(FleetApp fleet, string from, string? bearer)
    {
        using var client = fleet.CreateClient();
        client.DefaultRequestHeaders.Add(TestRemoteAddress.Header, from);
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await client.GetAsync("/metrics");
        return response.StatusCode;
    }

    private static double Sum(string scrape, string metric, params string[] labels) =>
        scrape.Split('\n')
            .Where(line => line.StartsWith(metric, StringComparison.Ordinal) && (line.Length == metric.Length || line[metric.Length] is '{' or ' ')
                && labels.All(l => line.Contains(l, StringComparison.Ordinal)))
            .Sum(line => double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture));
}

/// <summary>Tests that read process-wide meters: run alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(ProcessWideMeters), DisableParallelization = true)]
public sealed class ProcessWideMeters;
