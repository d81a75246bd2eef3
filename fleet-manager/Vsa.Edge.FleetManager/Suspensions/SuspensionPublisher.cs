using System.Text;
using Microsoft.Extensions.Options;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Suspensions;

/// <summary>
/// Publishes each device's suspension state, retained with QoS 1, on <c>vsa/v1/{deviceId}/suspension</c>, from its own MQTT
/// client (client id <c>{ClientId}-suspension</c>, so a long configuration publication never delays a suspension), signed
/// with the desired-state key (<see cref="DesiredStateSigningKey"/>) over the stored payload byte for byte. As the
/// configuration publisher, it republishes every stored state after each (re)connection: the database is the truth (the loop is
/// <see cref="FleetDevicePublisher{TRecord}"/>'s).
/// </summary>
public sealed partial class SuspensionPublisher(SuspensionStates states, IOptions<BrokerOptions> brokerOptions, FleetCertificateAuthority authority, DesiredStateSigningKey signing, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    : FleetDevicePublisher<DeviceSuspensionState>(ClientIdSuffix, brokerOptions, authority, timeProvider, loggerFactory)
{
    /// <summary>Suffix of this publisher's client id.</summary>
    public const string ClientIdSuffix = "-suspension";

    private readonly ILogger _logger = loggerFactory.CreateLogger<SuspensionPublisher>();

    /// <summary>The suspension states of <paramref name="deviceIds"/> changed (committed): publish them.</summary>
    public void Notify(IEnumerable<string> deviceIds)
    {
        ArgumentNullException.ThrowIfNull(deviceIds);
        foreach (var deviceId in deviceIds)
        {
            Notify(deviceId);
        }
    }

    /// <summary>The envelope published for <paramref name="state"/>: its stored payload's exact UTF-8 bytes, signed.</summary>
    public static byte[] Sign(DesiredStateSigningKey signing, DeviceSuspensionState state)
    {
        ArgumentNullException.ThrowIfNull(signing);
        ArgumentNullException.ThrowIfNull(state);
        return signing.Signer.SignToJson(SuspensionStateMessage.SchemaId, Encoding.UTF8.GetBytes(state.Payload));
    }

    /// <inheritdoc />
    protected override string DeviceIdOf(DeviceSuspensionState record) => record.DeviceId;

    /// <inheritdoc />
    protected override long VersionOf(DeviceSuspensionState record) => record.Version;

    /// <inheritdoc />
    protected override string TopicOf(DeviceSuspensionState record) => Topics.Suspension(record.DeviceId);

    /// <inheritdoc />
    protected override byte[] Sign(DeviceSuspensionState record) => Sign(signing, record);

    /// <inheritdoc />
    protected override Task<IReadOnlyList<DeviceSuspensionState>> ListAsync(CancellationToken cancellationToken) => states.ListAsync(cancellationToken);

    /// <inheritdoc />
    protected override Task<DeviceSuspensionState?> FindAsync(string deviceId, CancellationToken cancellationToken) => states.FindAsync(deviceId, cancellationToken);

    /// <inheritdoc />
    protected override void OnPublished(DeviceSuspensionState record) => LogPublished(_logger, record.DeviceId, record.Version);

    /// <inheritdoc />
    protected override void OnInterrupted(string endpoint, string reason, TimeSpan delay) => LogInterrupted(_logger, endpoint, reason, delay);

    [LoggerMessage(EventId = 11001, Level = LogLevel.Information, Message = "Suspension state version {Version} of {DeviceId} published")]
    private static partial void LogPublished(ILogger logger, string deviceId, long version);

    [LoggerMessage(EventId = 11002, Level = LogLevel.Warning, Message = "Cannot publish suspension states to {Endpoint}: {Reason}; next attempt in {Delay}")]
    private static partial void LogInterrupted(ILogger logger, string endpoint, string reason, TimeSpan delay);
}
