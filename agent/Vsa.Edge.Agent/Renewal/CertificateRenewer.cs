using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Agent.Renewal;

/// <summary>
/// Renews the device certificate before it expires, over the mutual-TLS connection the current one opened (no enrolment
/// token): at <see cref="RenewalOptions.RenewAfter"/> of its validity it generates a new P-256 key, publishes a CSR on
/// <see cref="Topics.CertificateRequest"/>, checks the fleet's answer (signed with a desired-state key this device trusts,
/// for this request, certifying the new key under the fleet CA), stores the pair atomically
/// (<see cref="RenewedCredentialFiles"/>), switches the connection to it and tells the fleet, which then revokes the older
/// certificates. A failed attempt (no answer, a refusal, an unusable certificate) is retried after
/// <see cref="RenewalOptions.RetryDelay"/> with a new key. At start it also says which certificate it connects with, so a
/// renewal a crash interrupted before that message still ends with the old certificate revoked.
/// </summary>
public sealed class CertificateRenewer(
    ICertificateRenewalChannel channel,
    CertificateAnswerInbox answers,
    SignedMessageVerifier verifier,
    MqttOptions mqtt,
    RenewalOptions options,
    string deviceId,
    TimeProvider time,
    ILogger<CertificateRenewer> logger) : BackgroundService
{
    // Long waits are cut into pieces: system timers do not take more than about 49 days.
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<int, TaskCompletionSource<DateTimeOffset>> _parkWaiters = [];
    private int _parkings;
    private DateTimeOffset _lastPark;
    private long _renewals;
    private long _failures;

    /// <summary>Renewals completed since start.</summary>
    public long Renewals => Interlocked.Read(ref _renewals);

    /// <summary>Attempts that failed since start (no answer, refused, unusable).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>
    /// Completes when the renewer starts its <paramref name="parking"/>-th wait (1-based; its timer is then registered), with
    /// the time it waits for: what a test on a fake clock waits for before it advances the clock.
    /// </summary>
    public Task<DateTimeOffset> WhenParkedAsync(int parking)
    {
        lock (_gate)
        {
            if (_parkings >= parking)
            {
                return Task.FromResult(_lastPark);
            }

            if (!_parkWaiters.TryGetValue(parking, out var waiter))
            {
                waiter = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
                _parkWaiters[parking] = waiter;
            }

            return waiter.Task;
        }
    }

    /// <summary>When a renewal of <paramref name="certificate"/> is due: <paramref name="renewAfter"/> of its validity after its start.</summary>
    public static DateTimeOffset DueAt(X509Certificate2 certificate, double renewAfter)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var from = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        var to = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        return from + ((to - from) * renewAfter);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled || channel.Credentials is null)
        {
            RenewalLog.Off(logger, options.Enabled ? "no TLS credentials" : $"{RenewalOptions.SectionName}:Enabled is false");
            return;
        }

        while (!await channel.WaitConnectedAsync(LongestWait, stoppingToken).ConfigureAwait(false))
        {
        }

        await SayConnectedWithAsync(stoppingToken).ConfigureAwait(false);
        DateTimeOffset? earliest = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            var certificate = channel.Credentials!.Certificate;
            var due = DueAt(certificate, options.RenewAfter);
            if (earliest is { } floor && floor > due)
            {
                due = floor;
            }

            RenewalLog.Scheduled(logger, certificate.SerialNumber, new DateTimeOffset(certificate.NotAfter.ToUniversalTime()), due);
            await WaitUntilAsync(due, stoppingToken).ConfigureAwait(false);
            var renewed = await TryRenewAsync(stoppingToken).ConfigureAwait(false);
            if (!renewed)
            {
                Interlocked.Increment(ref _failures);
            }

            earliest = time.GetUtcNow() + options.RetryDelay;
        }
    }

    private async Task<bool> TryRenewAsync(CancellationToken ct)
    {
        var current = channel.Credentials!;
        var started = time.GetTimestamp();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var requestId = Guid.NewGuid().ToString("N");
        var csr = new CertificateRequest($"CN={deviceId}", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        var request = new CertificateRequestMessage(
            CertificateRequestMessage.SchemaId, CertificateRequestMessage.CurrentVersion, deviceId, requestId, CertificateRequestKind.Renew, current.Certificate.SerialNumber, csr, time.GetUtcNow());
        while (answers.Reader.TryRead(out _))
        {
            // Answers to earlier requests: this one gets a new id.
        }

        // The timeout starts before the request leaves, so a test's fake clock cannot move between the two.
        using var timeout = new CancellationTokenSource(options.AnswerTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        if (!await channel.PublishCertificateRequestAsync(request, ct).ConfigureAwait(false))
        {
            RenewalLog.NotSent(logger, "the broker did not acknowledge it", options.RetryDelay);
            return false;
        }

        var issued = await ReadAnswerAsync(requestId, linked.Token, ct).ConfigureAwait(false);
        if (issued is null)
        {
            RenewalLog.NoAnswer(logger, requestId, options.AnswerTimeout, options.RetryDelay);
            return false;
        }

        if (issued.Refusal is { } refusal)
        {
            RenewalLog.Refused(logger, refusal, options.RetryDelay);
            return false;
        }

        if (IssuedCertificateCheck.Problem(issued, deviceId, key, current.Ca, time.GetUtcNow()) is { } problem)
        {
            RenewalLog.Unusable(logger, problem, options.RetryDelay);
            return false;
        }

        var (_, certificatePath, keyPath) = mqtt.CredentialFiles;
        try
        {
            RenewedCredentialFiles.Replace(certificatePath, keyPath, issued.CertificatePem!, key.ExportPkcs8PrivateKeyPem());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            RenewalLog.Unusable(logger, $"cannot store it next to {certificatePath}: {ex.Message}", options.RetryDelay);
            return false;
        }

        // Loaded back from the files just written: what the next start will use is what runs now.
        var next = DeviceCredentials.Load(mqtt)!;
        var old = current.Certificate.SerialNumber;
        await channel.SwitchCredentialsAsync(next, ct).ConfigureAwait(false);
        await SayConnectedWithAsync(ct).ConfigureAwait(false);
        Interlocked.Increment(ref _renewals);
        var took = time.GetElapsedTime(started);
        var notAfter = new DateTimeOffset(next.Certificate.NotAfter.ToUniversalTime());
        RenewalLog.Renewed(logger, old, next.Certificate.SerialNumber, notAfter, took.TotalMilliseconds);
        return true;
    }

    // The first answer to this request that verifies; null when none came in time.
    private async Task<CertificateIssuedMessage?> ReadAnswerAsync(string requestId, CancellationToken timeout, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var received = await answers.Reader.ReadAsync(timeout).ConfigureAwait(false);
                if (!verifier.TryVerify(received, CertificateIssuedMessage.SchemaId, out var verified, out var error))
                {
                    RenewalLog.AnswerIgnored(logger, error);
                    continue;
                }

                CertificateIssuedMessage? issued;
                try
                {
                    issued = JsonSerializer.Deserialize(verified.Payload, ContractsJsonContext.Default.CertificateIssuedMessage);
                }
                catch (JsonException ex)
                {
                    RenewalLog.AnswerIgnored(logger, $"not a certificate answer: {ex.Message}");
                    continue;
                }

                if (issued is null || issued.DeviceId != deviceId || issued.RequestId != requestId)
                {
                    RenewalLog.AnswerIgnored(logger, $"for request {issued?.RequestId} of {issued?.DeviceId}, not {requestId} of {deviceId}");
                    continue;
                }

                return issued;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    // Switched: the fleet revokes this device's other certificates. Repeated until the broker acknowledges it.
    private async Task SayConnectedWithAsync(CancellationToken ct)
    {
        while (true)
        {
            var serial = channel.Credentials!.Certificate.SerialNumber;
            var message = new CertificateRequestMessage(
                CertificateRequestMessage.SchemaId, CertificateRequestMessage.CurrentVersion, deviceId, Guid.NewGuid().ToString("N"), CertificateRequestKind.Switched, serial, null, time.GetUtcNow());
            if (await channel.PublishCertificateRequestAsync(message, ct).ConfigureAwait(false))
            {
                RenewalLog.SaidSwitched(logger, serial);
                return;
            }

            RenewalLog.NotSent(logger, "switched: the broker did not acknowledge it", options.AnswerTimeout);
            await WaitUntilAsync(time.GetUtcNow() + options.AnswerTimeout, ct).ConfigureAwait(false);
        }
    }

    private async Task WaitUntilAsync(DateTimeOffset until, CancellationToken ct)
    {
        while (true)
        {
            var left = until - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            // The timer exists before anyone hears of the wait.
            var delay = Task.Delay(left < LongestWait ? left : LongestWait, time, ct);
            Parked(until);
            await delay.ConfigureAwait(false);
        }
    }

    private void Parked(DateTimeOffset until)
    {
        TaskCompletionSource<DateTimeOffset>? waiter;
        lock (_gate)
        {
            _parkings++;
            _lastPark = until;
            _parkWaiters.Remove(_parkings, out waiter);
        }

        waiter?.TrySetResult(until);
    }
}
