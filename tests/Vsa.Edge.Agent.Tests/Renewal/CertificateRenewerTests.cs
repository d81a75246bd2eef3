using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Renewal;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Agent.Tests.Renewal;

/// <summary>
/// The renewal schedule and its failures on a fake clock, against a fake connection: when it asks, what it asks with (a new
/// key each time), what it does when the fleet is silent or an answer is forged, and what it stores and says on success.
/// </summary>
public sealed class CertificateRenewerTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private readonly RenewalSupport _device = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly CertificateAnswerInbox _answers = new();
    private readonly FakeChannel _channel;

    public CertificateRenewerTests() => _channel = new FakeChannel(DeviceCredentials.Load(_device.Mqtt())!);

    public void Dispose()
    {
        _channel.Credentials.Dispose();
        _device.Dispose();
    }

    [Fact]
    public async Task ExecuteAsync_CertificateAtTwoThirds_RenewsWithNewKeyStoresItSwitchesAndSaysSo()
    {
        var options = new RenewalOptions();
        using var renewer = Renewer(options);
        var due = CertificateRenewer.DueAt(_channel.Credentials.Certificate, options.RenewAfter);

        await renewer.StartAsync(CancellationToken.None);
        var atStart = await _channel.NextAsync();
        var parkedUntil = await renewer.WhenParkedAsync(1).WaitAsync(Guard);
        _time.SetUtcNow(due - TimeSpan.FromSeconds(1));
        await renewer.WhenParkedAsync(2).WaitAsync(Guard);
        Assert.Equal(0, _channel.Pending);
        _time.SetUtcNow(due);
        var request = await _channel.NextAsync();
        await _answers.Writer.WriteAsync(_device.Issue(request));
        var switched = await _channel.NextAsync();
        await renewer.StopAsync(CancellationToken.None);

        Assert.Equal((CertificateRequestKind.Switched, _device.EnrolledSerial), (atStart.Kind, atStart.Serial));
        Assert.Equal(due, parkedUntil);
        Assert.Equal((CertificateRequestKind.Renew, _device.EnrolledSerial), (request.Kind, request.Serial));
        Assert.False(RenewalSupport.CsrKey(request).AsSpan().SequenceEqual(_device.EnrolledPublicKey), "the request reuses the old key");
        var stored = _device.StoredSerial;
        Assert.NotEqual(_device.EnrolledSerial, stored);
        Assert.Equal(stored, Assert.Single(_channel.Switches));
        Assert.Equal((CertificateRequestKind.Switched, stored), (switched.Kind, switched.Serial));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_device.KeyPath));
        }

        Assert.Empty(Directory.GetFiles(_device.CredentialsDirectory, "*" + RenewedCredentialFiles.NextSuffix));
        Assert.Equal((1L, 0L), (renewer.Renewals, renewer.Failures));
    }

    [Fact]
    public async Task ExecuteAsync_FleetSilent_RetriesAfterDelayWithAnotherKeyAndKeepsTheOldCertificate()
    {
        var options = new RenewalOptions { RenewAfter = 0, AnswerTimeout = TimeSpan.FromSeconds(30), RetryDelay = TimeSpan.FromMinutes(10) };
        using var renewer = Renewer(options);

        await renewer.StartAsync(CancellationToken.None);
        _ = await _channel.NextAsync();
        var first = await _channel.NextAsync();
        _time.Advance(options.AnswerTimeout);
        var retryAt = await renewer.WhenParkedAsync(1).WaitAsync(Guard);
        _time.Advance(options.RetryDelay - TimeSpan.FromSeconds(1));
        Assert.Equal(0, _channel.Pending);
        _time.Advance(TimeSpan.FromSeconds(1));
        var second = await _channel.NextAsync();
        await renewer.StopAsync(CancellationToken.None);

        Assert.Equal(_time.GetUtcNow(), retryAt);
        Assert.Equal(CertificateRequestKind.Renew, second.Kind);
        Assert.NotEqual(first.RequestId, second.RequestId);
        Assert.False(RenewalSupport.CsrKey(first).AsSpan().SequenceEqual(RenewalSupport.CsrKey(second)), "a retry reuses the key of the failed attempt");
        Assert.Equal(_device.EnrolledSerial, _device.StoredSerial);
        Assert.Empty(_channel.Switches);
        Assert.Equal(1L, renewer.Failures);
    }

    [Fact]
    public async Task ExecuteAsync_AnswerForgedForeignOrRefused_NothingStoredNoSwitch()
    {
        var options = new RenewalOptions { RenewAfter = 0, AnswerTimeout = TimeSpan.FromSeconds(30), RetryDelay = TimeSpan.FromMinutes(10) };
        using var renewer = Renewer(options);
        using var forger = MessageSigner.CreateNew();
        using var otherCa = new RenewalSupport("pole-32");

        await renewer.StartAsync(CancellationToken.None);
        _ = await _channel.NextAsync();
        var request = await _channel.NextAsync();
        await _answers.Writer.WriteAsync(_device.Issue(request, forger));
        await _answers.Writer.WriteAsync(_device.Issue(request, requestId: "another-request"));
        await _answers.Writer.WriteAsync(otherCa.Issue(request));
        await renewer.WhenParkedAsync(1).WaitAsync(Guard);
        _time.Advance(options.RetryDelay);
        var refused = await _channel.NextAsync();
        await _answers.Writer.WriteAsync(RenewalSupport.Refuse(refused, "certificate is revoked"));
        await renewer.WhenParkedAsync(2).WaitAsync(Guard);
        await renewer.StopAsync(CancellationToken.None);

        Assert.Equal(_device.EnrolledSerial, _device.StoredSerial);
        Assert.Empty(_channel.Switches);
        Assert.Equal((0L, 2L), (renewer.Renewals, renewer.Failures));
    }

    private CertificateRenewer Renewer(RenewalOptions options) =>
        new(_channel, _answers, new SignedMessageVerifier([TestSigning.Fleet.SubjectPublicKeyInfo]), _device.Mqtt(), options, _device.DeviceId, _time, NullLogger<CertificateRenewer>.Instance);

    /// <summary>The connection as the renewer sees it: every request recorded, switches applied at once.</summary>
    private sealed class FakeChannel(DeviceCredentials credentials) : ICertificateRenewalChannel
    {
        private readonly Channel<CertificateRequestMessage> _requests = Channel.CreateUnbounded<CertificateRequestMessage>();

        public DeviceCredentials Credentials { get; private set; } = credentials;

        DeviceCredentials? ICertificateRenewalChannel.Credentials => Credentials;

        public List<string> Switches { get; } = [];

        public int Pending => _requests.Reader.Count;

        public async Task<CertificateRequestMessage> NextAsync() => await _requests.Reader.ReadAsync().AsTask().WaitAsync(Guard);

        public Task<bool> WaitConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task<bool> PublishCertificateRequestAsync(CertificateRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(_requests.Writer.TryWrite(request));

        public Task SwitchCredentialsAsync(DeviceCredentials next, CancellationToken cancellationToken)
        {
            Credentials.Dispose();
            Credentials = next;
            Switches.Add(next.Certificate.SerialNumber);
            return Task.CompletedTask;
        }
    }
}
