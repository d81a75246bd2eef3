using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Installations;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Tests.Trust;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Tests.Installations;

/// <summary>
/// Installation reports over the embedded broker's mutual-TLS endpoint, as an enrolled device sends them: stored once, shown
/// by the installations API, acknowledged with a signature the device can check, never in the alert queue; a hostile report
/// is refused with the reason in the acknowledgement and nothing stored.
/// </summary>
public sealed class InstallationReportServiceTests
{
    [Fact]
    public async Task Report_FromEnrolledDevice_StoredOnceSignedAcknowledgementNotAnAlert()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-31");
        await fleet.Services.GetRequiredService<InstallationReportService>().Subscribed.WaitAsync(FleetApp.Timeout);
        var (client, _) = await device.ConnectAsync(fleet.TlsPort);
        using var _client = client;
        var answers = await SubscribeAsync(client, device.DeviceId);
        var report = InstallationReportRulesTests.Report();

        await PublishAsync(client, device.DeviceId, report);
        var first = Verify(fleet, await answers.ReadAsync());
        await PublishAsync(client, device.DeviceId, report);
        var second = Verify(fleet, await answers.ReadAsync());

        Assert.Equal((report.ReportId, (string?)null), (first.ReportId, first.Refusal));
        Assert.Equal(report.ReportId, second.ReportId);
        using var operatorClient = await fleet.ClientAsync(Role.Operator);
        var board = await operatorClient.GetFromJsonAsync<JsonElement>("/api/installations");
        var shown = Assert.Single(board.EnumerateArray());
        Assert.Equal(("pole-31", "Jeanne Martin", true, "selfTest"), (shown.GetProperty("deviceId").GetString(), shown.GetProperty("installer").GetString(), shown.GetProperty("passed").GetBoolean(), shown.GetProperty("kind").GetString()));
        Assert.Equal(2, shown.GetProperty("checks").GetArrayLength());
        Assert.Single((await operatorClient.GetFromJsonAsync<JsonElement>("/api/installations/pole-31")).EnumerateArray());
        Assert.Empty((await operatorClient.GetFromJsonAsync<JsonElement>("/api/alerts")).EnumerateArray());
    }

    [Fact]
    public async Task Report_Hostile_RefusedWithReasonNothingStored()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-32");
        await fleet.Services.GetRequiredService<InstallationReportService>().Subscribed.WaitAsync(FleetApp.Timeout);
        var (client, _) = await device.ConnectAsync(fleet.TlsPort);
        using var _client = client;
        var answers = await SubscribeAsync(client, device.DeviceId);

        // Claims to be another device's report, published on its own topic.
        var report = InstallationReportRulesTests.Report("pole-99");
        await PublishAsync(client, device.DeviceId, report);
        var answer = Verify(fleet, await answers.ReadAsync());

        Assert.Equal(report.ReportId, answer.ReportId);
        Assert.Contains("is not the topic's device", answer.Refusal, StringComparison.Ordinal);
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>("/api/installations/pole-32")).EnumerateArray());
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>("/api/installations/pole-99")).EnumerateArray());
    }

    private static async Task<System.Threading.Channels.ChannelReader<byte[]>> SubscribeAsync(IMqttClient client, string deviceId)
    {
        var channel = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        client.ApplicationMessageReceivedAsync += e =>
        {
            channel.Writer.TryWrite(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload));
            return Task.CompletedTask;
        };
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        await client.SubscribeAsync(Topics.InstallationAcknowledged(deviceId), MqttQualityOfServiceLevel.AtLeastOnce, guard.Token);
        return new TimedReader(channel.Reader);
    }

    private static async Task PublishAsync(IMqttClient client, string deviceId, InstallationReportMessage report)
    {
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(Topics.InstallationReport(deviceId))
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(report, ContractsJsonContext.Default.InstallationReportMessage))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), guard.Token);
        Assert.True(result.IsSuccess, result.ReasonCode.ToString());
    }

    private static InstallationAcknowledgedMessage Verify(FleetApp fleet, byte[] envelope)
    {
        var verifier = new SignedMessageVerifier([fleet.Services.GetRequiredService<DesiredStateSigningKey>().Signer.SubjectPublicKeyInfo]);
        Assert.True(verifier.TryVerify(envelope, InstallationAcknowledgedMessage.SchemaId, out var verified, out var error), error);
        return JsonSerializer.Deserialize(verified.Payload, ContractsJsonContext.Default.InstallationAcknowledgedMessage)!;
    }

    // Reads with the fleet's timeout, so a missing acknowledgement fails the test rather than hanging it.
    private sealed class TimedReader(System.Threading.Channels.ChannelReader<byte[]> inner) : System.Threading.Channels.ChannelReader<byte[]>
    {
        public override bool TryRead(out byte[] item) => inner.TryRead(out item!);

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => inner.WaitToReadAsync(cancellationToken);

        public override async ValueTask<byte[]> ReadAsync(CancellationToken cancellationToken = default) =>
            await inner.ReadAsync(cancellationToken).AsTask().WaitAsync(FleetApp.Timeout, cancellationToken);
    }
}
