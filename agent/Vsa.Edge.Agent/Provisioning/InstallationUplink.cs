using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Agent.Provisioning;

/// <summary>What became of a report sent to the fleet.</summary>
/// <param name="Acknowledgement">The fleet's signed answer (verified), null when none came.</param>
/// <param name="RoundTrip">From publishing to the verified answer.</param>
/// <param name="Error">Why there is no answer (unreachable, timeout, bad signature), null when there is one.</param>
public sealed record UplinkResult(InstallationAcknowledgedMessage? Acknowledgement, TimeSpan RoundTrip, string? Error);

/// <summary>
/// Sends an installation report to the fleet as the device and waits for the fleet's acknowledgement on
/// <see cref="Topics.InstallationAcknowledged"/>, accepted only when signed by a key the device trusts (as desired state is).
/// </summary>
public static class InstallationUplink
{
    /// <summary>Publishes <paramref name="report"/> and waits up to <paramref name="timeout"/> for its signed acknowledgement.</summary>
    public static async Task<UplinkResult> SendAsync(MqttOptions mqtt, SignedMessageVerifier verifier, InstallationReportMessage report, TimeProvider time, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        ArgumentNullException.ThrowIfNull(verifier);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(time);
        var answered = new TaskCompletionSource<InstallationAcknowledgedMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        string? refused = null;
        IMqttClient client;
        try
        {
            client = await DeviceLink.ConnectAsync(mqtt, report.DeviceId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (DeviceLink.IsLinkFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            return new UplinkResult(null, TimeSpan.Zero, $"broker {mqtt.Host}:{mqtt.Port} unreachable: {PreflightChecks.OneLine(ex.Message)}");
        }

        try
        {
            client.ApplicationMessageReceivedAsync += e =>
            {
                if (e.ApplicationMessage.Topic != Topics.InstallationAcknowledged(report.DeviceId))
                {
                    return Task.CompletedTask;
                }

                if (!verifier.TryVerify(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload), InstallationAcknowledgedMessage.SchemaId, out var verified, out var error))
                {
                    refused = error;
                    return Task.CompletedTask;
                }

                var answer = JsonSerializer.Deserialize(verified.Payload, ContractsJsonContext.Default.InstallationAcknowledgedMessage);
                if (answer is not null && answer.ReportId == report.ReportId && answer.DeviceId == report.DeviceId)
                {
                    answered.TrySetResult(answer);
                }

                return Task.CompletedTask;
            };
            await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.InstallationAcknowledged(report.DeviceId), MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken).ConfigureAwait(false);
            var started = time.GetTimestamp();
            var published = await client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(Topics.InstallationReport(report.DeviceId))
                .WithPayload(JsonSerializer.SerializeToUtf8Bytes(report, ContractsJsonContext.Default.InstallationReportMessage))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithContentType("application/json")
                .Build(), cancellationToken).ConfigureAwait(false);
            if (!published.IsSuccess)
            {
                return new UplinkResult(null, TimeSpan.Zero, $"the broker refused the report: {published.ReasonCode} {published.ReasonString}");
            }

            try
            {
                var answer = await answered.Task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
                return new UplinkResult(answer, time.GetElapsedTime(started), null);
            }
            catch (TimeoutException)
            {
                return new UplinkResult(null, time.GetElapsedTime(started), refused is null
                    ? $"no acknowledgement from the fleet within {timeout.TotalSeconds:0} s (is the fleet manager running and subscribed?)"
                    : $"an acknowledgement came but was refused: {refused}");
            }
        }
        catch (Exception ex) when (DeviceLink.IsLinkFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            return new UplinkResult(null, TimeSpan.Zero, $"link to the broker lost: {PreflightChecks.OneLine(ex.Message)}");
        }
        finally
        {
            await DeviceLink.CloseAsync(client).ConfigureAwait(false);
        }
    }
}
