using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>Bursts from several devices through the real broker, into SQLite and into PostgreSQL: nothing lost, stored in batches.</summary>
public sealed class BurstIngestionTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const int Devices = 8;
    private const int AlertsPerDevice = 60;

    [Fact]
    public Task Burst_Sqlite_EveryAlertStoredOnceInBatches() => BurstAsync(postgresConnection: null);

    [Fact]
    public Task Burst_Postgres_EveryAlertStoredOnceInBatches() => BurstAsync(postgres.CreateSchema());

    [Fact]
    public async Task Postgres_PublishDecideAndAudit_EndToEnd()
    {
        await using var fleet = await FleetApp.StartAsync(postgres: postgres.CreateSchema());
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        var alert = Samples.AlertStart(device.DeviceId);
        await device.PublishAsync(alert);
        await device.PublishAsync(alert);
        await device.PublishAsync(Samples.Health(device.DeviceId, Samples.T0));
        await fleet.WaitForAlertAsync(alert.AlertId);
        using var op = await fleet.SignInAsync(Role.Operator, "bob");
        using var auditor = await fleet.ClientAsync(Role.Auditor);

        var decided = await op.PostAsJsonAsync($"/api/alerts/{alert.AlertId}/decision", new AlertDecisionRequest(AlertDecisionKind.Confirmed, null, "seen on screen"), FleetJsonContext.Default.AlertDecisionRequest);
        var verification = await auditor.GetFromJsonAsync("/api/audit/verify", FleetJsonContext.Default.AuditVerification);

        Assert.Equal(System.Net.HttpStatusCode.OK, decided.StatusCode);
        Assert.Equal("bob", (await auditor.GetFromJsonAsync($"/api/alerts/{alert.AlertId}", FleetJsonContext.Default.AlertView))!.Decision!.DecidedBy);
        Assert.Equal(1, await fleet.Services.GetRequiredService<AlertStore>().CountMessagesAsync(alert.AlertId, CancellationToken.None));
        Assert.True(verification!.IsIntact);
        Assert.True(verification.Entries >= 4); // two accounts created, a sign-in, a token, a decision
    }

    private static async Task BurstAsync(string? postgresConnection)
    {
        var settings = new Dictionary<string, string?>
        {
            // A window gathers the burst into few commits; the live tap must hold every event.
            ["Fleet:Ingestion:BatchWindow"] = "00:00:00.050",
            ["Fleet:Live:SubscriberQueueCapacity"] = "10000",
        };
        await using var fleet = await FleetApp.StartAsync(settings, postgres: postgresConnection);
        using var tap = fleet.Tap();
        var devices = await Task.WhenAll(Enumerable.Range(0, Devices).Select(i => TestDevice.ConnectAsync(fleet.BrokerPort, $"pole-{i}")));
        try
        {
            var sent = await Task.WhenAll(devices.Select(async device =>
            {
                var ids = new List<string>();
                for (var i = 0; i < AlertsPerDevice; i++)
                {
                    var alert = Samples.AlertStart(device.DeviceId, startedAt: Samples.T0.AddSeconds(i));
                    await device.PublishAsync(alert);
                    ids.Add(alert.AlertId);
                }

                return ids;
            }));

            var expected = sent.SelectMany(ids => ids).ToHashSet();
            var seen = new HashSet<string>();
            await tap.WaitForAsync(LiveEventTypes.Alert, FleetJsonContext.Default.AlertView, a => seen.Add(a.AlertId) && seen.Count == expected.Count);

            Assert.Equal(expected, seen);
            var stored = await fleet.Services.GetRequiredService<AlertStore>().QueryAsync(new AlertQuery(500, null, null, null), CancellationToken.None);
            Assert.Equal(Devices * AlertsPerDevice, stored.Count);
            Assert.Equal(Devices * AlertsPerDevice, fleet.Statistics.Snapshot().Alerts);
            Assert.InRange(fleet.Services.GetRequiredService<IngestionWriter>().Batches, 1, Devices * AlertsPerDevice / 2);
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
    }
}
