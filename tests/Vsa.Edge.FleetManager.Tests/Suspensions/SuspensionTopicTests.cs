using MQTTnet;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Tests.Trust;

namespace Vsa.Edge.FleetManager.Tests.Suspensions;

/// <summary>The suspension topic is a fleet→device topic: a device reads its own, writes none (embedded broker and Mosquitto ACL).</summary>
public sealed class SuspensionTopicTests
{
    [Fact]
    public async Task Publish_EnrolledDeviceWritesASuspensionTopic_NotAuthorized()
    {
        await using var fleet = await FleetApp.StartAsync(FleetApp.SecureDefaults);
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var intruder = await TrustedDevice.EnrolAsync(fleet, admin, "pole-13");
        var (client, _) = await intruder.ConnectAsync(fleet.TlsPort);
        using var _client = client;
        using var guard = new CancellationTokenSource(FleetApp.Timeout);

        var results = new List<MqttClientPublishReasonCode>();
        foreach (var topic in new[] { Topics.Suspension("pole-13"), Topics.Suspension("pole-12") })
        {
            var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("{\"version\":999}").WithRetainFlag()
                .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build();
            results.Add((await client.PublishAsync(message, guard.Token)).ReasonCode);
        }

        Assert.Equal([MqttClientPublishReasonCode.NotAuthorized, MqttClientPublishReasonCode.NotAuthorized], results);
        Assert.True(Topics.IsFleetToDevice(Topics.Suspension("pole-12")));
        Assert.True(DeviceTopicPolicy.MaySubscribe("pole-13", Topics.Suspension("pole-13")));
        Assert.False(DeviceTopicPolicy.MaySubscribe("pole-13", Topics.Suspension("pole-12")));
        Assert.Contains("pattern read vsa/v1/%u/suspension", MosquittoConfiguration.Acl(), StringComparison.Ordinal);
        Assert.DoesNotContain("pattern write vsa/v1/%u/suspension", MosquittoConfiguration.Acl(), StringComparison.Ordinal);
    }
}
