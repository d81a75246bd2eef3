using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Tests.Trust;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>
/// With the embedded broker a PUBACK means "stored": an enrolled device over mutual TLS, the real SQLite file, and a second
/// connection to that file that holds its write lock to make the fleet's commit wait, or fail.
/// </summary>
public sealed class EmbeddedIngestionTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("vsa-ackstore-");

    public void Dispose() => _data.Delete(recursive: true);

    [Fact]
    public async Task PubAck_OfEveryAlertInAWindow_ArrivesOnlyOnceTheAlertIsStored()
    {
        await using var fleet = await FleetApp.StartAsync(dataDirectory: _data.FullName);
        var (device, client) = await EnrolAndConnectAsync(fleet);
        using var _device = device;
        using var _client = client;
        var store = fleet.Services.GetRequiredService<AlertStore>();

        // A window of 16 in flight, as the agent sends them: each PUBACK is checked against the database the moment it arrives.
        var alerts = Enumerable.Range(0, 64).Select(_ => Samples.AlertStart("pole-12")).ToList();
        var checks = alerts.Chunk(16).Select(async window =>
        {
            var found = new List<bool>();
            foreach (var (alert, ack) in window.Zip(await Task.WhenAll(window.Select(a => TrustedDevice.PublishAsync(client, Topics.Alerts("pole-12"), a)))))
            {
                // Success, not "no matching subscribers" although nobody subscribes, and the broker's marker stays inside.
                Assert.Equal(MqttClientPublishReasonCode.Success, ack.ReasonCode);
                Assert.Empty(ack.UserProperties ?? []);
                found.Add(await store.FindAsync(alert.AlertId, CancellationToken.None) is not null);
            }

            return found;
        });

        var stored = (await Task.WhenAll(checks)).SelectMany(f => f).ToList();

        Assert.Equal(alerts.Count, stored.Count(s => s));
    }

    [Fact]
    public async Task Publish_WhileAnotherWriterHoldsTheDatabase_NoPubAckUntilTheCommit()
    {
        await using var fleet = await FleetApp.StartAsync(dataDirectory: _data.FullName);
        var (device, client) = await EnrolAndConnectAsync(fleet);
        using var _device = device;
        using var _client = client;
        var alert = Samples.AlertStart("pole-12");

        Task<MqttClientPublishResult> publish;
        await using (var holder = await LockDatabaseAsync())
        {
            publish = TrustedDevice.PublishAsync(client, Topics.Alerts("pole-12"), alert);

            // A negative can only be watched for a while: half a second is ages next to a loopback PUBACK.
            var first = await Task.WhenAny(publish, Task.Delay(TimeSpan.FromMilliseconds(500)));
            Assert.NotSame(publish, first);
        }

        var ack = await publish;

        Assert.True(ack.IsSuccess, $"{ack.ReasonCode} {ack.ReasonString}");
        Assert.NotNull(await fleet.Services.GetRequiredService<AlertStore>().FindAsync(alert.AlertId, CancellationToken.None));
    }

    [Fact]
    public async Task Publish_StorageFails_PubAckIsAnErrorNothingStoredAndTheRetryIsStored()
    {
        // A one-second busy timeout: the fleet's transaction gives up while the test holds the write lock.
        var file = Path.Combine(_data.FullName, "vsa-fleet.db");
        await using var fleet = await FleetApp.StartAsync(
            new Dictionary<string, string?> { ["Fleet:Storage:Sqlite"] = $"Data Source={file};Default Timeout=1" },
            dataDirectory: _data.FullName);
        var (device, client) = await EnrolAndConnectAsync(fleet);
        using var _device = device;
        using var _client = client;
        var alert = Samples.AlertStart("pole-12");

        MqttClientPublishResult refused;
        await using (var holder = await LockDatabaseAsync())
        {
            refused = await TrustedDevice.PublishAsync(client, Topics.Alerts("pole-12"), alert);
        }

        var store = fleet.Services.GetRequiredService<AlertStore>();
        var storedAfterRefusal = await store.FindAsync(alert.AlertId, CancellationToken.None);
        var retried = await TrustedDevice.PublishAsync(client, Topics.Alerts("pole-12"), alert);

        Assert.Equal(MqttClientPublishReasonCode.ImplementationSpecificError, refused.ReasonCode);
        Assert.Contains("not stored", refused.ReasonString, StringComparison.Ordinal);
        Assert.Null(storedAfterRefusal);
        Assert.True(retried.IsSuccess, $"{retried.ReasonCode} {retried.ReasonString}");
        Assert.NotNull(await store.FindAsync(alert.AlertId, CancellationToken.None));
        Assert.True(client.IsConnected);
    }

    private static async Task<(TrustedDevice Device, IMqttClient Client)> EnrolAndConnectAsync(FleetApp fleet)
    {
        using var admin = await fleet.ClientAsync(Role.Admin);
        var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");
        var (client, connected) = await device.ConnectAsync(fleet.TlsPort);
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        return (device, client);
    }

    /// <summary>A second writer on the fleet's SQLite file, holding its write lock until disposed.</summary>
    private async Task<SqliteConnection> LockDatabaseAsync()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(_data.FullName, "vsa-fleet.db")};Pooling=False");
        await connection.OpenAsync();
        await using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE;";
        await begin.ExecuteNonQueryAsync();
        return connection;
    }
}
