using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Broker;

namespace Vsa.Edge.FleetManager.Trust;

/// <summary>
/// Renews device certificates over the broker: a device, connected over mutual TLS with its current certificate (which the
/// broker checked: issued by the fleet CA, unexpired, not revoked), publishes a CSR for a new key on its own
/// <see cref="Topics.CertificateRequest"/> (the broker lets no one else publish there); this service, on its own client
/// (<c>{ClientId}-renewal</c>, in the instances' shared group when there is one), checks in the database that the certificate
/// named is that device's and active, signs the new one (<see cref="CertificateRenewalStore"/>) and answers on
/// <see cref="Topics.CertificateIssued"/>, signed with the desired-state key. Once the device has reconnected with the new
/// certificate it says so, and its older certificates are revoked and the revocation list rewritten. No enrolment token is
/// involved. A device may renew at most once per <see cref="MinInterval"/>.
/// </summary>
public sealed partial class CertificateRenewalService(
    CertificateRenewalStore store,
    DeviceRevocation revocation,
    DesiredStateSigningKey signing,
    FleetCertificateAuthority authority,
    IOptions<BrokerOptions> brokerOptions,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory) : BackgroundService
{
    /// <summary>Suffix of this service's MQTT client id.</summary>
    public const string ClientIdSuffix = "-renewal";

    /// <summary>Shortest time between two renewals of one device (a device that asks in a loop gets refusals, not certificates).</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(30);

    private readonly ILogger _logger = loggerFactory.CreateLogger<CertificateRenewalService>();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastRenewal = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _switched = new(StringComparer.Ordinal);

    /// <summary>Completes once <paramref name="deviceId"/> has switched to a renewed certificate (its older ones revoked).</summary>
    public Task WhenSwitched(string deviceId) => _switched.GetOrAdd(deviceId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Completes once the service listens for requests.</summary>
    public Task Subscribed => _subscribed.Task;

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => FleetSubscriberLoop.RunAsync(
        brokerOptions.Value, authority, ClientIdSuffix, Topics.AllCertificateRequests, (client, e) => HandleAsync(client, e, stoppingToken),
        (reason, delay) => LogInterrupted(_logger, reason, delay), _subscribed, loggerFactory, timeProvider, stoppingToken);

    private async Task HandleAsync(IMqttClient client, MqttApplicationMessageReceivedEventArgs e, CancellationToken ct)
    {
        var topic = e.ApplicationMessage.Topic;
        var deviceId = Topics.DeviceIdOf(topic);
        if (deviceId is null || !DeviceIds.IsValid(deviceId) || topic != Topics.CertificateRequest(deviceId))
        {
            return;
        }

        CertificateRequestMessage? request;
        try
        {
            var payload = e.ApplicationMessage.Payload;
            request = payload.Length > DeviceCsr.MaxPemLength * 2
                ? null
                : JsonSerializer.Deserialize(System.Buffers.BuffersExtensions.ToArray(payload), ContractsJsonContext.Default.CertificateRequestMessage);
        }
        catch (JsonException ex)
        {
            LogRefused(_logger, deviceId, $"not a certificate request: {ex.Message}");
            return;
        }

        if (request is null || request.Schema != CertificateRequestMessage.SchemaId || request.DeviceId != deviceId || string.IsNullOrEmpty(request.RequestId) || request.RequestId.Length > 64
            || string.IsNullOrEmpty(request.Serial) || request.Serial.Length > 64)
        {
            LogRefused(_logger, deviceId, "request malformed: schema, deviceId (the topic's), requestId and serial (at most 64 characters) are required");
            return;
        }

        try
        {
            if (request.Kind == CertificateRequestKind.Switched)
            {
                await SwitchedAsync(deviceId, request.Serial, ct);
                return;
            }

            var answer = await RenewAsync(deviceId, request, ct);
            var envelope = signing.Signer.SignToJson(CertificateIssuedMessage.SchemaId, JsonSerializer.SerializeToUtf8Bytes(answer, ContractsJsonContext.Default.CertificateIssuedMessage));
            await client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(Topics.CertificateIssued(deviceId))
                .WithPayload(envelope)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithContentType("application/json")
                .Build(), ct);
        }
        catch (Exception ex) when (ex is DbException or MqttCommunicationException or TimeoutException)
        {
            // Not answered: the device asks again after its retry delay.
            LogFailed(_logger, deviceId, ex.Message);
        }
    }

    private async Task<CertificateIssuedMessage> RenewAsync(string deviceId, CertificateRequestMessage request, CancellationToken ct)
    {
        var now = timeProvider.GetUtcNow();
        CertificateIssuedMessage Refuse(string why)
        {
            LogRefused(_logger, deviceId, why);
            return new(CertificateIssuedMessage.SchemaId, CertificateIssuedMessage.CurrentVersion, deviceId, request.RequestId, null, null, null, why, now);
        }

        if (_lastRenewal.TryGetValue(deviceId, out var last) && now - last < MinInterval)
        {
            return Refuse($"asked less than {MinInterval.TotalSeconds:0} s ago; ask again later");
        }

        // Every attempt counts, refused ones too: a device looping on bogus requests writes one audited refusal per interval.
        _lastRenewal[deviceId] = now;

        if (!DeviceCsr.TryParse(request.CsrPem, out var csr, out var error))
        {
            return Refuse($"csrPem: {error}");
        }

        var started = timeProvider.GetTimestamp();
        var (refusal, issued) = await store.RenewAsync(deviceId, request.Serial, csr, ct);
        if (issued is null)
        {
            return Refuse(refusal switch
            {
                RenewalRefusal.Revoked => $"certificate {request.Serial} is revoked: an administrator must enrol this device again",
                RenewalRefusal.Expired => $"certificate {request.Serial} has expired: enrol this device again",
                RenewalRefusal.InvalidCsr => $"the CSR's CN '{csr.DeviceId}' is not this device ('{deviceId}')",
                RenewalRefusal.NotEnrolled => $"certificate {request.Serial} is a renewal this device has not switched to: publish 'switched' with it first, then renew from it",
                _ => $"certificate {request.Serial} is not one this fleet issued to '{deviceId}'",
            });
        }

        // Earlier unswitched renewals were revoked with this one issued: the list the broker (Mosquitto) reads must say so.
        await revocation.PublishRevocationListAsync(ct);
        var took = timeProvider.GetElapsedTime(started);
        LogRenewed(_logger, deviceId, request.Serial, issued.Serial, issued.NotAfter, took.TotalMilliseconds);
        return new(CertificateIssuedMessage.SchemaId, CertificateIssuedMessage.CurrentVersion, deviceId, request.RequestId, issued.Serial, issued.NotAfter, issued.CertificatePem, null, now);
    }

    private async Task SwitchedAsync(string deviceId, string serial, CancellationToken ct)
    {
        var (refusal, revoked) = await store.SwitchedAsync(deviceId, serial, ct);
        if (refusal != RenewalRefusal.None)
        {
            LogRefused(_logger, deviceId, $"switch to {serial}: {refusal}");
            return;
        }

        if (revoked.Count > 0)
        {
            await revocation.PublishRevocationListAsync(ct);
            LogSwitched(_logger, deviceId, serial, revoked.Count);
        }

        _switched.GetOrAdd(deviceId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    [LoggerMessage(EventId = 11720, Level = LogLevel.Information, Message = "Device {DeviceId} renewed certificate {Old}: new certificate {Serial}, valid until {NotAfter:O} ({Milliseconds:F0} ms)")]
    private static partial void LogRenewed(ILogger logger, string deviceId, string old, string serial, DateTimeOffset notAfter, double milliseconds);

    [LoggerMessage(EventId = 11721, Level = LogLevel.Warning, Message = "Certificate renewal of {DeviceId} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string deviceId, string reason);

    [LoggerMessage(EventId = 11722, Level = LogLevel.Information, Message = "Device {DeviceId} switched to certificate {Serial}; {Revoked} older certificate(s) revoked")]
    private static partial void LogSwitched(ILogger logger, string deviceId, string serial, int revoked);

    [LoggerMessage(EventId = 11723, Level = LogLevel.Warning, Message = "Certificate renewal of {DeviceId} not answered: {Error}")]
    private static partial void LogFailed(ILogger logger, string deviceId, string error);

    [LoggerMessage(EventId = 11724, Level = LogLevel.Warning, Message = "Certificate renewal client lost the broker ({Reason}); retrying in {Delay}")]
    private static partial void LogInterrupted(ILogger logger, string reason, TimeSpan delay);
}
