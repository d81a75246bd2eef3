using System.Threading.Channels;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.DesiredConfig;

/// <summary>
/// Desired configuration payloads as received on <c>config/desired</c>, in order, handed from the MQTT client's receive
/// loop to the worker that applies them (so a slow apply never holds the connection's acknowledgements back).
/// </summary>
public sealed class DesiredConfigInbox
{
    private readonly Channel<byte[]> _payloads = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Where the MQTT client writes.</summary>
    public ChannelWriter<byte[]> Writer => _payloads.Writer;

    /// <summary>Where the worker reads.</summary>
    public ChannelReader<byte[]> Reader => _payloads.Reader;
}

/// <summary>Publishes the device's reported configuration (retained, QoS 1): the latest report wins, and it is sent again after every reconnection.</summary>
public interface IConfigReportSink
{
    /// <summary>Publishes <paramref name="report"/> as soon as the broker is reachable, superseding any report not yet sent.</summary>
    void Report(ReportedConfigMessage report);
}
