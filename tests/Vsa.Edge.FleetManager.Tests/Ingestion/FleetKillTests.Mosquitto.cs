using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using MQTTnet;
using MQTTnet.Formatter;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Tests.Trust;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>
/// The same kill behind Mosquitto (External mode): devices publish a QoS 1 burst to Mosquitto, the fleet manager is killed
/// with SIGKILL while it ingests, and restarted on the same data folder. The fleet's persistent session on Mosquitto keeps what
/// it had not acknowledged (it acknowledges only after commit), so every alert Mosquitto accepted is stored, exactly once.
/// </summary>
public sealed partial class FleetKillTests
{
    private const string MosquittoDevice = "pole-mq";
    private const int MosquittoDevices = 4;
    private const int MosquittoAlertsEach = 600;

    [Fact]
    public async Task Fleet_KilledMidBurstBehindMosquitto_EveryAlertStoredOnceAfterRestart()
    {
        using var mosquitto = new MosquittoFixture(MosquittoFixture.DefaultExecutable, TimeSpan.FromSeconds(15), "max_inflight_messages 1000\nmax_queued_messages 1000000\n");
        var data = Path.Combine(_work.FullName, "data-mosquitto");
        string[] external = ["--Fleet:Broker:Mode", "External", "--Fleet:Broker:Host", mosquitto.Host,
            "--Fleet:Broker:Port", mosquitto.Port.ToString(CultureInfo.InvariantCulture), "--Fleet:Broker:ClientId", "kill-fleet"];
        var accepted = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var total = MosquittoDevices * MosquittoAlertsEach;

        await using (var fleet = await StartFleetAsync(data, MosquittoFixture.FreeLoopbackPort(), external))
        {
            var devices = await Task.WhenAll(Enumerable.Range(0, MosquittoDevices).Select(i => ConnectPlainAsync(mosquitto, $"{MosquittoDevice}-{i}")));
            var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var bursts = devices.Select((client, i) => PublishBurstAsync(client, $"{MosquittoDevice}-{i}", accepted, () =>
            {
                // Mid-burst, while the fleet is still behind: kill it once a third of the burst was accepted by Mosquitto.
                if (accepted.Count >= total / 3 && killed.TrySetResult())
                {
                    Process.GetProcessById(fleet.Process.Id).Kill();
                }
            })).ToList();
            await Task.WhenAll(bursts).WaitAsync(Guard);
            Assert.True(killed.Task.IsCompleted);
            Assert.True(await fleet.Process.WaitForExitAsync(Guard) != 0);
            var storedAtKill = (await ReadStoredAsync(data, MosquittoDevice)).Count;
            output.WriteLine($"Mosquitto accepted {accepted.Count} of {total}; {storedAtKill} stored when the fleet was killed");
            foreach (var device in devices)
            {
                device.Dispose();
            }
        }

        Assert.Equal(total, accepted.Count);
        await using (var restarted = await StartFleetAsync(data, MosquittoFixture.FreeLoopbackPort(), external))
        {
            // The session is resumed and Mosquitto redelivers what was not acknowledged: wait (bounded) for the last row.
            var rows = await ReadStoredAsync(data, MosquittoDevice);
            using var deadline = new CancellationTokenSource(Guard);
            while (rows.Count < total && !deadline.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
                rows = await ReadStoredAsync(data, MosquittoDevice);
            }

            var lost = accepted.Keys.Where(id => !rows.ContainsKey(id)).ToList();
            var twice = rows.Where(r => r.Value > 1).Select(r => r.Key).ToList();
            output.WriteLine($"after restart: {rows.Count} stored, lost {lost.Count}, stored twice {twice.Count}");
            Assert.True(lost.Count == 0, $"{lost.Count} alerts accepted by Mosquitto lost, e.g. {string.Join(", ", lost.Take(3))}");
            Assert.Empty(twice);
            Assert.Equal(total, rows.Count);
        }
    }

    private static async Task PublishBurstAsync(IMqttClient client, string deviceId, ConcurrentDictionary<string, bool> accepted, Action afterAck)
    {
        using var window = new SemaphoreSlim(Window);
        var pending = new List<Task>(MosquittoAlertsEach);
        for (var i = 0; i < MosquittoAlertsEach; i++)
        {
            await window.WaitAsync();
            var alert = Samples.AlertStart(deviceId);
            pending.Add(Task.Run(async () =>
            {
                try
                {
                    var ack = await TrustedDevice.PublishAsync(client, Topics.Alerts(deviceId), alert);
                    Assert.True(ack.IsSuccess, $"Mosquitto refused an alert: {ack.ReasonCode}");
                    accepted[alert.AlertId] = true;
                    afterAck();
                }
                finally
                {
                    window.Release();
                }
            }));
        }

        await Task.WhenAll(pending);
    }

    private static async Task<IMqttClient> ConnectPlainAsync(MosquittoFixture mosquitto, string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTcpServer(mosquitto.Host, mosquitto.Port)
            .WithClientId(clientId)
            .WithCleanStart(true)
            .Build());
        return client;
    }
}
