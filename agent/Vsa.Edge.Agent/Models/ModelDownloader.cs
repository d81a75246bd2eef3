using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Resilience;

namespace Vsa.Edge.Agent.Models;

/// <summary>What a finished download measured.</summary>
/// <param name="Path">The complete package, its size and SHA-256 checked.</param>
/// <param name="BytesDownloaded">Bytes received over the network by this call (a resumed transfer counts only the rest).</param>
/// <param name="ResumedFrom">Offset the last transfer resumed from (0: from the beginning).</param>
/// <param name="Attempts">Transfers made.</param>
public sealed record DownloadResult(string Path, long BytesDownloaded, long ResumedFrom, int Attempts);

/// <summary>A download refused or given up, its <see cref="Exception.Message"/> naming what is wrong.</summary>
public sealed class ModelDownloadException(string message, Exception? inner = null, bool transient = false) : Exception(message, inner)
{
    /// <summary>
    /// The link failed (every try used up), not the package: the version is not marked failed on the device and is fetched
    /// again when the desired state is delivered again (next connection or restart). A short outage, or someone resetting
    /// connections on the pole's LAN, must not bar a version for good.
    /// </summary>
    public bool Transient { get; } = transient;
}

/// <summary>
/// Fetches a model package named by a verified desired state into <c>{folder}/{sha256}.vsamodel</c>: bytes go to a
/// <c>.part</c> file that an interrupted transfer (a dropped link, a kill, a power cut) resumes with an HTTP Range request;
/// the size announced by the server and received is held to the signed <see cref="DesiredModel.Size"/>, the whole file
/// to its <see cref="DesiredModel.Sha256"/> before it is renamed complete. Bandwidth is limited when configured; transient
/// failures (network, 5xx, 408, 429, truncated body) are retried with exponential backoff, refusals (4xx, size, hash) are
/// not. The HTTP client presents the device's certificate (<see cref="ModelDownloadClient"/>).
/// </summary>
public sealed partial class ModelDownloader(HttpClient http, ModelDownloadOptions options, TimeProvider time, ILogger logger)
{
    private const string PartSuffix = ".part";

    /// <summary>Called as bytes arrive: bytes of the package on disk, and its size.</summary>
    public Action<long, long>? Progress { get; init; }

    /// <summary>Random source of the backoff jitter (tests pin it).</summary>
    public Func<double>? Jitter { get; init; }

    /// <summary>The file a complete package of <paramref name="sha256"/> has in <paramref name="folder"/>.</summary>
    public static string PackagePath(string folder, string sha256) => Path.Combine(folder, sha256 + ".vsamodel");

    /// <summary>Downloads <paramref name="model"/> into <paramref name="folder"/> (kept for a resume), or returns the copy already there.</summary>
    /// <exception cref="ModelDownloadException">Refused, or failed <see cref="ModelDownloadOptions.MaxAttempts"/> times.</exception>
    public async Task<DownloadResult> DownloadAsync(DesiredModel model, string folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var url = Check(model);
        var shown = Redact(url);
        Directory.CreateDirectory(folder);
        var target = PackagePath(folder, model.Sha256);
        if (File.Exists(target) && new FileInfo(target).Length == model.Size && await HashAsync(target, cancellationToken).ConfigureAwait(false) == model.Sha256)
        {
            return new DownloadResult(target, 0, 0, 0);
        }

        var part = target + PartSuffix;
        var backoff = new ReconnectBackoff(options.RetryMinDelay, options.RetryMaxDelay, Jitter);
        long received = 0, resumedFrom = 0;
        var attempt = 0;
        while (true)
        {
            attempt++;
            try
            {
                (var got, resumedFrom) = await TransferAsync(url, model.Size, part, cancellationToken).ConfigureAwait(false);
                received += got;
                break;
            }
            catch (TransientDownloadException ex)
            {
                received += ex.Received;
                if (attempt >= options.MaxAttempts)
                {
                    throw new ModelDownloadException($"download: gave up after {attempt} tries: {ex.Message}", ex, transient: true);
                }

                var delay = backoff.Next();
                ModelDownloadLog.Retrying(logger, shown, attempt, ex.Message, delay.TotalSeconds);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
        }

        var actual = await HashAsync(part, cancellationToken).ConfigureAwait(false);
        if (actual != model.Sha256)
        {
            File.Delete(part);
            throw new ModelDownloadException($"sha256: the package received hashes to {actual}, the desired state names {model.Sha256} (discarded)");
        }

        File.Move(part, target, overwrite: true);
        ModelDownloadLog.Downloaded(logger, shown, model.Size, received, resumedFrom);
        return new DownloadResult(target, received, resumedFrom, attempt);
    }

    // Every field of a desired model is hostile until checked: the hash names a file, the size bounds the transfer.
    private Uri Check(DesiredModel model)
    {
        if (!Sha256Pattern().IsMatch(model.Sha256))
        {
            throw new ModelDownloadException($"sha256: '{Shorten(model.Sha256)}' is not 64 lower-case hex digits");
        }

        if (model.Size <= 0 || model.Size > options.MaxPackageBytes)
        {
            throw new ModelDownloadException($"size: {model.Size} bytes is outside 1..{options.MaxPackageBytes} ({ModelDownloadOptions.SectionName}:MaxPackageBytes)");
        }

        if (!Uri.TryCreate(model.Url, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps)
        {
            throw new ModelDownloadException($"url: '{Shorten(model.Url)}' is not an https:// address");
        }

        return url;
    }

    // One transfer: resumes the .part file where it ends. Returns the bytes received and the offset it started from.
    private async Task<(long Received, long From)> TransferAsync(Uri url, long size, string part, CancellationToken ct)
    {
        var offset = File.Exists(part) ? new FileInfo(part).Length : 0;
        if (offset > size)
        {
            File.Delete(part);
            offset = 0;
        }

        if (offset == size)
        {
            return (0, offset);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (offset > 0)
        {
            request.Headers.Range = new RangeHeaderValue(offset, null);
        }

        HttpResponseMessage response;
        try
        {
            using var headers = CancellationTokenSource.CreateLinkedTokenSource(ct);
            headers.CancelAfter(options.ResponseTimeout);
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            throw new TransientDownloadException($"no response from the fleet: {Innermost(ex)}", 0);
        }

        using (response)
        {
            var from = Start(response, offset, size);
            if (from == 0 && offset > 0)
            {
                ModelDownloadLog.RangeIgnored(logger, Redact(url), offset);
            }

            var length = response.Content.Headers.ContentLength;
            if (length is { } announced && from + announced != size)
            {
                throw new ModelDownloadException($"size: the fleet sends {from + announced} bytes, the desired state names {size}");
            }

            long received = 0;
            try
            {
                var limiter = new BandwidthLimiter(options.BandwidthBytesPerSecond, time);
                var buffer = new byte[limiter.ChunkSize];
                await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                await using var file = new FileStream(part, from == 0 ? FileMode.Create : FileMode.Append, FileAccess.Write, FileShare.None);
                int read;
                var tenths = (from * 10) / size;
                var shown = Redact(url);
                while ((read = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    if (from + received + read > size)
                    {
                        throw new ModelDownloadException($"size: the fleet sent more than the {size} bytes the desired state names");
                    }

                    await file.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                    received += read;
                    Progress?.Invoke(from + received, size);
                    if ((from + received) * 10 / size > tenths)
                    {
                        // Every tenth of the package: handed to the system first, so what the line says survives a kill.
                        tenths = (from + received) * 10 / size;
                        await file.FlushAsync(ct).ConfigureAwait(false);
                        ModelRestartLog.Progress(logger, shown, from + received, size);
                    }

                    await limiter.AfterAsync(read, ct).ConfigureAwait(false);
                }

                file.Flush(flushToDisk: true);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException && !ct.IsCancellationRequested)
            {
                throw new TransientDownloadException($"transfer interrupted at {from + received} of {size} bytes: {Innermost(ex)}", received);
            }

            if (from + received < size)
            {
                throw new TransientDownloadException($"transfer ended at {from + received} of {size} bytes", received);
            }

            return (received, from);
        }
    }

    // Where the body starts: 206 at the asked offset (and for this size), or 200 from the beginning.
    private static long Start(HttpResponseMessage response, long offset, long size)
    {
        var status = (int)response.StatusCode;
        if (response.StatusCode == HttpStatusCode.PartialContent && offset > 0)
        {
            var range = response.Content.Headers.ContentRange;
            if (range?.From != offset || (range.Length is { } total && total != size))
            {
                throw new TransientDownloadException($"the fleet answered the range from {offset} with {range?.ToString() ?? "no Content-Range"}", 0);
            }

            return offset;
        }

        if (response.StatusCode == HttpStatusCode.OK)
        {
            return 0;
        }

        if (status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            throw new TransientDownloadException($"the fleet answered {status} {response.ReasonPhrase}", 0);
        }

        throw new ModelDownloadException($"download: the fleet refused the package ({status} {response.ReasonPhrase})");
    }

    private static async Task<string> HashAsync(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false));
    }

    private static string Innermost(Exception ex) => ex.GetBaseException().Message;

    private static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 80), "…");

    // Logs name the host and path, never a query string (a signed URL could carry a token).
    private static string Redact(Uri url) => url.GetLeftPart(UriPartial.Path);

    [GeneratedRegex("^[0-9a-f]{64}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex Sha256Pattern();

    private sealed class TransientDownloadException(string message, long received) : Exception(message)
    {
        public long Received { get; } = received;
    }
}

/// <summary>
/// Holds a transfer to a rate: after each chunk it waits until the bytes so far are within <c>rate × elapsed</c> (time from
/// the injected <see cref="TimeProvider"/>). Chunks are an eighth of a second's worth, so the rate holds over short spans too.
/// </summary>
internal sealed class BandwidthLimiter(long bytesPerSecond, TimeProvider time)
{
    private readonly long _started = time.GetTimestamp();
    private long _sent;

    /// <summary>Read size for this rate.</summary>
    public int ChunkSize => bytesPerSecond <= 0 ? 81920 : (int)Math.Clamp(bytesPerSecond / 8, 1024, 81920);

    /// <summary>Counts <paramref name="bytes"/> and waits while the transfer is ahead of the rate.</summary>
    public async ValueTask AfterAsync(int bytes, CancellationToken ct)
    {
        if (bytesPerSecond <= 0)
        {
            return;
        }

        _sent += bytes;
        var due = TimeSpan.FromSeconds((double)_sent / bytesPerSecond);
        var ahead = due - time.GetElapsedTime(_started);
        if (ahead > TimeSpan.Zero)
        {
            await Task.Delay(ahead, time, ct).ConfigureAwait(false);
        }
    }
}

/// <summary>Log messages of model downloads (event ids 12400–12419).</summary>
internal static partial class ModelDownloadLog
{
    [LoggerMessage(EventId = 12400, Level = LogLevel.Warning, Message = "Model download {Url}: try {Attempt} failed ({Reason}); retrying in {DelaySeconds:0.0} s")]
    public static partial void Retrying(ILogger logger, string url, int attempt, string reason, double delaySeconds);

    [LoggerMessage(EventId = 12401, Level = LogLevel.Information, Message = "Model package {Url} downloaded: {Size} bytes, {Received} received, resumed from {ResumedFrom}")]
    public static partial void Downloaded(ILogger logger, string url, long size, long received, long resumedFrom);

    [LoggerMessage(EventId = 12402, Level = LogLevel.Warning, Message = "Model download {Url}: the fleet ignored the range from {Offset}; starting again from 0")]
    public static partial void RangeIgnored(ILogger logger, string url, long offset);
}
