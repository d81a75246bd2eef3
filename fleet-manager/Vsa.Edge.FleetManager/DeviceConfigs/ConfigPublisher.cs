using Microsoft.Extensions.Options;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.DeviceConfigs;

/// <summary>
/// Publishes desired configurations, retained with QoS 1, on <c>vsa/v1/{deviceId}/config/desired</c>, from its own MQTT
/// client (client id <c>{ClientId}-config</c>), each signed with the desired-state key (<see cref="DesiredStateSigningKey"/>)
/// into a <see cref="SignedMessage"/> whose payload is the stored JSON byte for byte (the device refuses anything else).
/// The loop (republish all after every (re)connection, then what <see cref="FleetDevicePublisher{TRecord}.Notify"/> queues) is
/// <see cref="FleetDevicePublisher{TRecord}"/>'s, shared with the suspension publisher.
/// </summary>
public sealed partial class ConfigPublisher(ConfigStore store, IOptions<BrokerOptions> brokerOptions, FleetCertificateAuthority authority, DesiredStateSigningKey signing, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    : FleetDevicePublisher<DesiredConfigRecord>(FleetClientOptions.ConfigPublisherSuffix, brokerOptions, authority, timeProvider, loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<ConfigPublisher>();

    /// <inheritdoc />
    protected override string DeviceIdOf(DesiredConfigRecord record) => record.DeviceId;

    /// <inheritdoc />
    protected override long VersionOf(DesiredConfigRecord record) => record.Version;

    /// <inheritdoc />
    protected override string TopicOf(DesiredConfigRecord record) => Topics.ConfigDesired(record.DeviceId);

    /// <inheritdoc />
    protected override byte[] Sign(DesiredConfigRecord record) => Sign(signing, record);

    /// <inheritdoc />
    protected override Task<IReadOnlyList<DesiredConfigRecord>> ListAsync(CancellationToken cancellationToken) => store.ListDesiredAsync(cancellationToken);

    /// <inheritdoc />
    protected override Task<DesiredConfigRecord?> FindAsync(string deviceId, CancellationToken cancellationToken) => store.FindDesiredAsync(deviceId, cancellationToken);

    /// <inheritdoc />
    protected override void OnPublished(DesiredConfigRecord record) => LogPublished(_logger, record.DeviceId, record.Version);

    /// <inheritdoc />
    protected override void OnRepublished(int count) => LogRepublished(_logger, count);

    /// <inheritdoc />
    protected override void OnInterrupted(string endpoint, string reason, TimeSpan delay) => LogInterrupted(_logger, endpoint, reason, delay);

    /// <summary>The envelope published for <paramref name="desired"/>: its stored payload's exact UTF-8 bytes, signed.</summary>
    public static byte[] Sign(DesiredStateSigningKey signing, DesiredConfigRecord desired)
    {
        ArgumentNullException.ThrowIfNull(signing);
        ArgumentNullException.ThrowIfNull(desired);
        return signing.Signer.SignToJson(DesiredConfigMessage.SchemaId, System.Text.Encoding.UTF8.GetBytes(desired.Payload));
    }

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Desired configuration version {Version} of {DeviceId} published")]
    private static partial void LogPublished(ILogger logger, string deviceId, long version);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Information, Message = "Republished the desired configuration of {Count} devices after connecting")]
    private static partial void LogRepublished(ILogger logger, int count);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Warning, Message = "Cannot publish desired configurations to {Endpoint}: {Reason}; next attempt in {Delay}")]
    private static partial void LogInterrupted(ILogger logger, string endpoint, string reason, TimeSpan delay);
}
