using Vsa.Edge.Agent.Mqtt;

namespace Vsa.Edge.Agent.Tests.Mqtt;

public sealed class ReconnectBackoffTests
{
    [Fact]
    public void Next_RepeatedFailures_DoublesUpToTheMaximum()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), () => 1.0);

        var delays = Enumerable.Range(0, 6).Select(_ => backoff.Next().TotalSeconds).ToArray();

        Assert.Equal([1, 2, 4, 8, 10, 10], delays);
    }

    [Fact]
    public void Next_LowestJitter_WaitsHalfTheCeiling()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60), () => 0.0);

        Assert.Equal(TimeSpan.FromSeconds(1), backoff.Next());
        Assert.Equal(TimeSpan.FromSeconds(2), backoff.Next());
    }

    [Fact]
    public void Reset_AfterFailures_StartsAgainFromTheMinimum()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), () => 1.0);
        backoff.Next();
        backoff.Next();
        backoff.Next();

        backoff.Reset();

        Assert.Equal(0, backoff.Attempt);
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.Next());
    }

    [Fact]
    public void Next_DefaultJitter_StaysWithinHalfAndFullCeiling()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(4));

        for (var i = 0; i < 100; i++)
        {
            var d = backoff.Next();
            Assert.InRange(d, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
        }
    }

    [Fact]
    public void FromUri_MqttAddress_ParsesHostAndPort()
    {
        var withPort = MqttOptions.FromUri("mqtt://broker.local:18830");
        var withoutPort = MqttOptions.FromUri("mqtt://10.0.0.2");

        Assert.Equal(("broker.local", 18830), (withPort.Host, withPort.Port));
        Assert.Equal(("10.0.0.2", 1883), (withoutPort.Host, withoutPort.Port));
        Assert.Throws<FormatException>(() => MqttOptions.FromUri("http://broker:1883"));
    }
}
