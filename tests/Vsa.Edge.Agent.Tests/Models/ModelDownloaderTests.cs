using System.Net.Security;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Models;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;
using Xunit.Abstractions;

namespace Vsa.Edge.Agent.Tests.Models;

/// <summary>The model downloader against a real Kestrel HTTPS server that requires the device's client certificate.</summary>
public sealed class ModelDownloaderTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Size = 1_000_000;
    private readonly string _root = Directory.CreateTempSubdirectory("vsa-model-download-").FullName;
    private ModelFileServer _server = null!;
    private DeviceCredentials _credentials = null!;
    private DesiredModel _model = null!;

    private string Folder => Path.Combine(_root, "downloads");

    public async Task InitializeAsync()
    {
        _server = await ModelFileServer.StartAsync(Path.Combine(_root, "credentials"));
        _credentials = DeviceCredentials.Load(new MqttOptions { CredentialsDirectory = _server.CredentialsDirectory })!;
        var package = Path.Combine(_root, "package.bin");
        await File.WriteAllBytesAsync(package, RandomNumberGenerator.GetBytes(Size));
        _model = _server.Add(package, "2.0.0");
    }

    public async Task DisposeAsync()
    {
        _credentials.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task DownloadAsync_TransferCutMidway_ResumesWithARangeAndOnlyTheRestIsSentAgain()
    {
        _server.CutNextAfter = 400_000;
        using var http = ModelDownloadClient.Create(_credentials);

        var result = await Downloader(http, new JumpingClock(DateTimeOffset.UtcNow)).DownloadAsync(_model, Folder, CancellationToken.None);

        var requests = _server.Requests.ToArray();
        output.WriteLine($"package {Size} bytes; first transfer cut after {requests[0].Sent} sent; resumed from {result.ResumedFrom}: {requests.Last().Sent} bytes sent again ({(double)requests.Last().Sent / Size:P1} of the package)");
        Assert.Equal(2, requests.Length);
        Assert.Equal((0L, 400_000L), requests[0]);
        Assert.InRange(result.ResumedFrom, 1, 400_000);
        Assert.Equal((result.ResumedFrom, Size - result.ResumedFrom), requests[1]);
        Assert.Equal(Size, result.BytesDownloaded);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(_model.Sha256, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(result.Path))));
        Assert.Equal([result.Path], Directory.GetFiles(Folder));
    }

    [Fact]
    public async Task DownloadAsync_InterruptedThenStartedAgain_ResumesFromThePartFileOnDisk()
    {
        using var http = ModelDownloadClient.Create(_credentials);
        using var stop = new CancellationTokenSource();
        var first = new ModelDownloader(http, new ModelDownloadOptions(), TimeProvider.System, NullLogger.Instance)
        {
            Progress = (done, _) =>
            {
                if (done >= 300_000)
                {
                    stop.Cancel();
                }
            },
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.DownloadAsync(_model, Folder, stop.Token));
        var kept = new FileInfo(ModelDownloader.PackagePath(Folder, _model.Sha256) + ".part").Length;

        var result = await Downloader(http, new JumpingClock(DateTimeOffset.UtcNow)).DownloadAsync(_model, Folder, CancellationToken.None);

        Assert.InRange(kept, 300_000, Size - 1);
        Assert.Equal((kept, Size - kept), _server.Requests.Last());
        Assert.Equal((Size - kept, kept), (result.BytesDownloaded, result.ResumedFrom));
    }

    [Fact]
    public async Task DownloadAsync_HashDiffersFromTheDesiredState_RefusedAndNothingKept()
    {
        using var http = ModelDownloadClient.Create(_credentials);
        // The URL serves the real package; the signed desired state names another hash.
        var wrong = _model with { Sha256 = new string('0', 64) };

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => Downloader(http, new JumpingClock(DateTimeOffset.UtcNow)).DownloadAsync(wrong, Folder, CancellationToken.None));

        Assert.Equal($"sha256: the package received hashes to {_model.Sha256}, the desired state names {wrong.Sha256} (discarded)", error.Message);
        Assert.Empty(Directory.GetFiles(Folder));
    }

    [Fact]
    public async Task DownloadAsync_SizeDiffersFromTheDesiredState_RefusedBeforeTheBodyIsStored()
    {
        using var http = ModelDownloadClient.Create(_credentials);

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => Downloader(http, new JumpingClock(DateTimeOffset.UtcNow)).DownloadAsync(_model with { Size = Size - 1 }, Folder, CancellationToken.None));

        Assert.Equal($"size: the fleet sends {Size} bytes, the desired state names {Size - 1}", error.Message);
        Assert.Empty(Directory.GetFiles(Folder));
    }

    [Theory]
    [InlineData(200_000, 5.0)]
    [InlineData(0, 0.0)]
    public async Task DownloadAsync_BandwidthLimit_HoldsTheTransferToTheRateOnTheInjectedClock(long rate, double expectedSeconds)
    {
        using var http = ModelDownloadClient.Create(_credentials);
        var clock = new JumpingClock(DateTimeOffset.UtcNow);

        await Downloader(http, clock, new ModelDownloadOptions { BandwidthBytesPerSecond = rate }).DownloadAsync(_model, Folder, CancellationToken.None);

        Assert.InRange(clock.Elapsed.TotalSeconds, expectedSeconds * 0.98, (expectedSeconds * 1.02) + 0.001);
    }

    [Fact]
    public async Task DownloadAsync_WithoutTheDeviceCertificate_RefusedByTheServer()
    {
        using var http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && _server.Ca.Issued(certificate) },
        });

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => Downloader(http, new JumpingClock(DateTimeOffset.UtcNow), new ModelDownloadOptions { MaxAttempts = 2 }).DownloadAsync(_model, Folder, CancellationToken.None));

        Assert.StartsWith("download: gave up after 2 tries: ", error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Theory]
    [InlineData("../../etc/passwd", 10, "https://fleet/x", "sha256: '../../etc/passwd' is not 64 lower-case hex digits")]
    [InlineData(null, 0, "https://fleet/x", "size: 0 bytes is outside 1..2147483648 (Models:Download:MaxPackageBytes)")]
    [InlineData(null, 10, "http://fleet/x", "url: 'http://fleet/x' is not an https:// address")]
    public async Task DownloadAsync_HostileDesiredModel_RefusedBeforeAnyRequest(string? sha, long size, string url, string expected)
    {
        using var http = ModelDownloadClient.Create(_credentials);
        var model = _model with { Sha256 = sha ?? _model.Sha256, Size = size, Url = url };

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => Downloader(http, TimeProvider.System).DownloadAsync(model, Folder, CancellationToken.None));

        Assert.Equal(expected, error.Message);
        Assert.Empty(_server.Requests);
    }

    private static ModelDownloader Downloader(HttpClient http, TimeProvider time, ModelDownloadOptions? options = null) =>
        new(http, options ?? new ModelDownloadOptions(), time, NullLogger.Instance) { Jitter = () => 0 };
}
