using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Provisioning;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Mqtt;

/// <summary>A self-test report kept on the pole while the uplink was down goes out with the running agent's next connection.</summary>
public sealed class MqttPublisherInstallationTests : IDisposable
{
    private const string DeviceId = "edge-test-02";
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("vsa-pending-");

    [Fact]
    public async Task StartAsync_PendingReport_PublishedThenForgotten()
    {
        var pending = new PendingInstallationReports(_data.FullName);
        var report = new InstallationReportMessage(InstallationReportMessage.SchemaId, 1, DeviceId, "a1b2c3", InstallationReportKind.SelfTest, "Jeanne Martin", true,
            [new InstallationCheck("provider.cpu", InstallationCheckStatus.Pass, "CPU: a session runs the model")], null, new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
        pending.Save(report);
        await using var broker = await InProcessBroker.StartAsync();
        await using var subscriber = await RecordingSubscriber.ConnectAsync(broker.Port, Topics.InstallationReport(DeviceId));
        using var outbox = new SqliteAlertOutbox(_data.FullName, DeviceId, new OutboxOptions(), TimeProvider.System, NullLogger<SqliteAlertOutbox>.Instance);
        await using var publisher = new MqttPublisher(new MqttOptions { Host = "127.0.0.1", Port = broker.Port }, DeviceId, outbox, TimeProvider.System, NullLogger<MqttPublisher>.Instance)
        {
            PendingInstallations = pending,
        };

        await publisher.StartAsync(CancellationToken.None);
        var received = await subscriber.WaitForAsync(m => m.Topic == Topics.InstallationReport(DeviceId));
        await publisher.StopAsync(CancellationToken.None);

        Assert.Equal(report.ReportId, JsonSerializer.Deserialize(received.Payload, ContractsJsonContext.Default.InstallationReportMessage)!.ReportId);
        Assert.Empty(pending.List());
    }

    public void Dispose() => _data.Delete(recursive: true);
}
