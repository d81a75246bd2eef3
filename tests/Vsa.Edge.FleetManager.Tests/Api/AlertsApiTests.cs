using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Api;

/// <summary>The alert API: filters, order, and RFC 7807 errors.</summary>
public sealed class AlertsApiTests
{
    [Fact]
    public async Task GetAlerts_Filters_NewestFirstWithinFilter()
    {
        await using var fleet = await FleetApp.StartAsync();
        await using var north = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-north");
        await using var south = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-south");
        var oldest = Samples.AlertStart(north.DeviceId, startedAt: Samples.T0);
        var middle = Samples.AlertStart(north.DeviceId, startedAt: Samples.T0.AddMinutes(1), cameraId: "cam-2");
        var newest = Samples.AlertStart(south.DeviceId, startedAt: Samples.T0.AddMinutes(2));
        await north.PublishAsync(oldest);
        await north.PublishAsync(middle);
        await south.PublishAsync(newest);
        foreach (var alert in new[] { oldest, middle, newest })
        {
            await fleet.WaitForAlertAsync(alert.AlertId);
        }

        using var http = await fleet.ClientAsync(Role.Operator);
        Assert.Equal([newest.AlertId, middle.AlertId, oldest.AlertId], await IdsAsync(http, "/api/alerts"));
        Assert.Equal([middle.AlertId, oldest.AlertId], await IdsAsync(http, "/api/alerts?deviceId=pole-north"));
        Assert.Equal([middle.AlertId], await IdsAsync(http, "/api/alerts?deviceId=pole-north&cameraId=cam-2"));
        var since = Samples.T0.AddMinutes(1);
        Assert.Equal([newest.AlertId, middle.AlertId], await IdsAsync(http, $"/api/alerts?since={Uri.EscapeDataString(since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture))}"));
        Assert.Equal([newest.AlertId, middle.AlertId], await IdsAsync(http, $"/api/alerts?since={Uri.EscapeDataString(since.ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture))}"));
        Assert.Equal([newest.AlertId], await IdsAsync(http, "/api/alerts?limit=1"));
    }

    [Fact]
    public async Task GetAlerts_PendingOldestFirst_ListsUndecidedAndSaysWhenTruncated()
    {
        await using var fleet = await FleetApp.StartAsync();
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-north");
        var alerts = Enumerable.Range(0, 3).Select(i => Samples.AlertStart(device.DeviceId, startedAt: Samples.T0.AddMinutes(i))).ToArray();
        foreach (var alert in alerts)
        {
            await device.PublishAsync(alert);
            await fleet.WaitForAlertAsync(alert.AlertId);
        }

        using var http = await fleet.SignInAsync(Role.Operator);
        var decided = await http.PostAsJsonAsync($"/api/alerts/{alerts[0].AlertId}/decision", new AlertDecisionRequest(AlertDecisionKind.Confirmed, null, null), FleetJsonContext.Default.AlertDecisionRequest);
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);

        var page = await http.GetAsync("/api/alerts?decision=pending&order=oldest&limit=1");
        var whole = await http.GetAsync("/api/alerts?decision=pending&order=oldest&limit=5000");

        Assert.Equal("true", Assert.Single(page.Headers.GetValues(AlertEndpoints.TruncatedHeader)));
        Assert.Equal([alerts[1].AlertId], await IdsAsync(page));
        Assert.Equal("false", Assert.Single(whole.Headers.GetValues(AlertEndpoints.TruncatedHeader)));
        Assert.Equal([alerts[1].AlertId, alerts[2].AlertId], await IdsAsync(whole));
        Assert.Equal([alerts[0].AlertId], await IdsAsync(http, "/api/alerts?decision=decided"));
        Assert.Equal([alerts[2].AlertId, alerts[1].AlertId, alerts[0].AlertId], await IdsAsync(http, "/api/alerts?decision=any"));
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=5001", "limit")]
    [InlineData("decision=maybe", "decision")]
    [InlineData("order=sideways", "order")]
    [InlineData("limit=ten", "limit")]
    [InlineData("since=yesterday", "since")]
    [InlineData("deviceId=", "deviceId")]
    public async Task GetAlerts_BadQuery_ReturnsValidationProblem(string query, string field)
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var http = await fleet.ClientAsync(Role.Auditor);

        var response = await http.GetAsync($"/api/alerts?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(400, (int?)problem["status"]);
        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task GetAlert_Unknown_Returns404Problem()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var http = await fleet.ClientAsync(Role.Operator);

        var response = await http.GetAsync("/api/alerts/0197a000-0000-7000-8000-000000000000");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Alert not found", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["title"]);
    }

    [Fact]
    public void TryParseQuery_NoParameters_DefaultLimitAndNoFilter()
    {
        Assert.True(AlertEndpoints.TryParseQuery(null, null, null, null, out var query, out var errors));

        Assert.Empty(errors);
        Assert.Equal(new AlertQuery(AlertEndpoints.DefaultLimit, null, null, null), query);
    }

    [Fact]
    public async Task Health_LivenessAndReadiness_AreHealthyOnceSubscribedWithoutSignIn()
    {
        await using var fleet = await FleetApp.StartAsync();

        // Probes of an orchestrator carry no account: the health endpoints tell nothing about alerts or people.
        Assert.Equal("Healthy", await fleet.Http.GetStringAsync("/health"));
        Assert.Equal("Healthy", await fleet.Http.GetStringAsync("/health/ready"));
    }

    [Fact]
    public async Task Ingestion_Status_ReportsEmbeddedBrokerAndCounters()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var http = await fleet.ClientAsync(Role.Admin);

        var status = await http.GetFromJsonAsync("/api/ingestion", FleetJsonContext.Default.IngestionStatus);

        Assert.Equal(BrokerMode.Embedded, status!.Mode);
        // The fleet's own client always uses its service certificate on the embedded broker's mutual-TLS port.
        Assert.Equal($"mqtts://127.0.0.1:{fleet.TlsPort}", status.Endpoint);
        Assert.True(status.Connection.Subscribed);
        Assert.Equal(0, status.Messages.Alerts);
        Assert.Equal(0, status.Messages.Rejected["malformed_json"]);
        Assert.Equal((0, 0), (status.Batches, status.Queued));
    }

    private static async Task<string[]> IdsAsync(HttpResponseMessage response) =>
        [.. (await response.Content.ReadFromJsonAsync(FleetJsonContext.Default.IReadOnlyListAlertView))!.Select(a => a.AlertId)];

    private static async Task<string[]> IdsAsync(HttpClient http, string url) =>
        [.. (await http.GetFromJsonAsync(url, FleetJsonContext.Default.IReadOnlyListAlertView))!.Select(a => a.AlertId)];
}
