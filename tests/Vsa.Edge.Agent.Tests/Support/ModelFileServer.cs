using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Support;

/// <summary>
/// A real Kestrel HTTPS server on a free loopback port playing the fleet's <c>GET /device/v1/models/{sha256}</c>: it
/// requires a client certificate issued by the test CA, honours <c>Range</c>, records what it sent per request and can
/// cut the first response after a number of bytes (a dropped link). Also writes a device's credentials folder.
/// </summary>
internal sealed class ModelFileServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private int _cuts;

    private ModelFileServer(WebApplication app, TestCertificateAuthority ca, string credentials)
    {
        _app = app;
        Ca = ca;
        CredentialsDirectory = credentials;
    }

    public TestCertificateAuthority Ca { get; }

    /// <summary>A device's credentials folder (ca.crt, device.crt, device.key) that this server accepts.</summary>
    public string CredentialsDirectory { get; }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>(Range start, bytes written) of every request that reached the handler.</summary>
    public ConcurrentQueue<(long From, long Sent)> Requests { get; } = new();

    /// <summary>When positive, the next response is cut after this many bytes (then it resets to 0).</summary>
    public long CutNextAfter { get; set; }

    public static async Task<ModelFileServer> StartAsync(string credentials)
    {
        var ca = new TestCertificateAuthority();
        WriteDeviceCredentials(ca, credentials, "pole-17");
        var server = ca.IssueServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(h =>
        {
            h.ServerCertificate = server;
            h.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            h.ClientCertificateValidation = (certificate, _, _) => ca.Issued(certificate);
        })));
        var app = builder.Build();
        var files = new ModelFileServer(app, ca, credentials);
        app.MapGet("/device/v1/models/{sha256}", files.ServeAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        files.BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return files;
    }

    /// <summary>Serves <paramref name="path"/>'s bytes; returns the desired model naming it (its real size and hash).</summary>
    public DesiredModel Add(string path, string version, string id = "nanodet-coco")
    {
        var bytes = File.ReadAllBytes(path);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        _files[sha] = bytes;
        return new DesiredModel("detector", id, version, sha, bytes.Length, new Uri(BaseAddress, $"device/v1/models/{sha}").ToString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Ca.Dispose();
    }

    // The device's own key, a certificate the CA signed for it, and the CA: what enrolment leaves in {data}/credentials.
    private static void WriteDeviceCredentials(TestCertificateAuthority ca, string directory, string deviceId)
    {
        Directory.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = ca.SignDevice(new CertificateRequest($"CN={deviceId}", key, HashAlgorithmName.SHA256).CreateSigningRequestPem());
        File.WriteAllText(Path.Combine(directory, DeviceCredentials.KeyFileName), key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(directory, DeviceCredentials.CertificateFileName), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, DeviceCredentials.CaFileName), ca.Certificate.ExportCertificatePem());
    }

    private async Task ServeAsync(HttpContext context, string sha256)
    {
        if (context.Connection.ClientCertificate is null || !_files.TryGetValue(sha256, out var bytes))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var from = context.Request.GetTypedHeaders().Range?.Ranges.FirstOrDefault()?.From ?? 0;
        context.Response.StatusCode = from > 0 ? StatusCodes.Status206PartialContent : StatusCodes.Status200OK;
        if (from > 0)
        {
            context.Response.Headers.ContentRange = $"bytes {from}-{bytes.Length - 1}/{bytes.Length}";
        }

        context.Response.ContentLength = bytes.Length - from;
        var cut = CutNextAfter;
        CutNextAfter = 0;
        var end = cut > 0 ? Math.Min(bytes.Length, from + cut) : bytes.Length;
        long sent = 0;
        for (var at = from; at < end; at += 16384)
        {
            var n = (int)Math.Min(16384, end - at);
            await context.Response.Body.WriteAsync(bytes.AsMemory((int)at, n));
            sent += n;
        }

        Requests.Enqueue((from, sent));
        if (cut > 0)
        {
            await context.Response.Body.FlushAsync();
            Interlocked.Increment(ref _cuts);
            context.Abort();
        }
    }
}

/// <summary>
/// A clock that jumps over every wait: a timer created for a due time moves the clock by that much and fires at once.
/// A rate-limited transfer then takes no wall time, and the clock tells how long it would have taken.
/// </summary>
internal sealed class JumpingClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks;

    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => start + Elapsed;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            Interlocked.Add(ref _ticks, dueTime.Ticks);
            ThreadPool.QueueUserWorkItem(_ => callback(state));
        }

        return new Fired();
    }

    private sealed class Fired : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => false;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
