using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Configuration;

namespace Vsa.Edge.Agent.Setup;

/// <summary>
/// The set-up page's web server (a valid edit goes to <c>apply</c>: the live pipeline): Kestrel over HTTPS only, on the given addresses. Before sign-in only the form answers;
/// every other path answers 401. Every response says "no-store" (no frame lands in the browser's cache) and carries a
/// strict Content-Security-Policy (nothing loads from anywhere but the pole).
/// </summary>
internal sealed class SetupServer : IAsyncDisposable
{
    private const int MaxBody = 256 * 1024;

    private readonly WebApplication _app;
    private readonly SetupAccess _access;
    private readonly SetupDraft _draft;
    private readonly LiveView _view;
    private readonly Action<CameraConfig> _apply;
    private readonly SetupArguments _arguments;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public SetupServer(SetupArguments arguments, IReadOnlyList<IPAddress> addresses, X509Certificate2 certificate, SetupAccess access, SetupDraft draft, LiveView view, Action<CameraConfig> apply, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(addresses);
        (_arguments, _access, _draft, _view, _apply, _time) = (arguments, access, draft, view, apply, time);
        _logger = loggers.CreateLogger<SetupServer>();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "vsa-agent-setup", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxBody;
            foreach (var address in addresses)
            {
                kestrel.Listen(address, arguments.Port, listen => listen.UseHttps(certificate));
            }
        });
        _app = builder.Build();
        _app.Use(GuardAsync);
        _app.MapPost("/login", SignInAsync);
        _app.MapGet("/api/state", StateAsync);
        _app.MapPut("/api/draft", DraftAsync);
        _app.MapGet("/api/live", LiveAsync);
        _app.MapGet("/api/frame", FrameAsync);
        _app.MapPost("/api/save", SaveAsync);
        foreach (var (path, (type, bytes)) in SetupPages.Files)
        {
            _app.MapGet(path, (HttpContext context) => Results.Bytes(bytes, type));
        }
    }

    /// <summary>The https:// addresses actually bound (port 0 resolved).</summary>
    public IReadOnlyList<Uri> Addresses =>
        [.. _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a))];

    /// <summary>Fires when the web host stops (Ctrl+C or SIGTERM reach it through its console lifetime).</summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    public Task StartAsync(CancellationToken ct) => _app.StartAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task GuardAsync(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers.Pragma = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = SetupPages.Policy;
        var path = context.Request.Path.Value ?? "/";
        if (path == "/login" || _access.IsSession(context.Request.Cookies[SetupAccess.CookieName]))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        if (path == "/" && HttpMethods.IsGet(context.Request.Method))
        {
            var locked = _access.TriesLeftFor(context.Connection.RemoteIpAddress) == 0;
            var ended = !locked && context.Request.Cookies.ContainsKey(SetupAccess.CookieName);
            await HtmlAsync(context, locked ? StatusCodes.Status423Locked : StatusCodes.Status200OK, SetupPages.Login(locked ? LockedMessage : ended ? EndedMessage : null, locked)).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
    }

    private const string LockedMessage = "Page verrouillée pour cet appareil après 5 codes faux : l'installateur obtient un nouveau code en appuyant sur Entrée dans le terminal du poteau (ou en relançant la commande).";

    private static readonly string EndedMessage = string.Create(CultureInfo.InvariantCulture,
        $"Session terminée (inactive {SetupAccess.IdleTimeout.TotalMinutes:0} min, ouverte depuis {SetupAccess.Lifetime.TotalHours:0} h, ou remplacée) : appuyez sur Entrée dans le terminal du poteau pour un nouveau code.");

    private async Task SignInAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var address = context.Connection.RemoteIpAddress;
        var remote = address?.ToString() ?? "?";
        switch (_access.TrySignIn(form["code"].ToString(), address, out var token))
        {
            case SignInResult.Accepted:
                SetupLog.SignedIn(_logger, remote);
                context.Response.Cookies.Append(SetupAccess.CookieName, token!, new CookieOptions
                {
                    HttpOnly = true,
                    Secure = true,
                    SameSite = SameSiteMode.Strict,
                    Path = "/",
                    IsEssential = true,
                    MaxAge = SetupAccess.Lifetime,
                });
                context.Response.Redirect("/");
                return;
            case SignInResult.Wrong:
                SetupLog.WrongCode(_logger, remote, _access.FailuresOf(address), SetupAccess.MaxFailures);
                await HtmlAsync(context, StatusCodes.Status401Unauthorized, SetupPages.Login(
                    string.Create(CultureInfo.InvariantCulture, $"Code incorrect. Encore {_access.TriesLeftFor(address)} essai(s) avant le verrouillage."), false)).ConfigureAwait(false);
                return;
            case SignInResult.LockedOut:
                if (_access.Failures >= SetupAccess.MaxFailuresPerCode)
                {
                    SetupLog.LockedOut(_logger, SetupAccess.MaxFailuresPerCode);
                }
                else
                {
                    SetupLog.ClientLockedOut(_logger, remote, _access.FailuresOf(address), _access.Failures);
                }
                await HtmlAsync(context, StatusCodes.Status423Locked, SetupPages.Login(LockedMessage, true)).ConfigureAwait(false);
                return;
            default:
                await HtmlAsync(context, StatusCodes.Status403Forbidden, SetupPages.Login("Ce code a déjà servi : appuyez sur Entrée dans le terminal du poteau pour un nouveau code.", false)).ConfigureAwait(false);
                return;
        }
    }

    private Task StateAsync(HttpContext context)
    {
        var (width, height) = _view.Size;
        var running = _draft.Running;
        var state = new StateResponse(
            running.CameraId,
            _draft.PageDocument,
            [.. Enum.GetValues<Contracts.EventType>().Select(EventTypes.ToWireName)],
            [.. _draft.Categories],
            width,
            height,
            CalibrationPreview.Compute(running.Calibration, width, height),
            _view.Status);
        return context.Response.WriteAsJsonAsync(state, SetupJsonContext.Default.StateResponse, cancellationToken: context.RequestAborted);
    }

    private async Task DraftAsync(HttpContext context)
    {
        if (!IsJson(context))
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var json = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        var errors = _draft.TryUpdate(json, out var accepted);
        if (accepted is not null)
        {
            _apply(accepted);
        }

        // The calibration is measured even when the validator refuses it (too large an error): the page shows why.
        var (width, height) = _view.Size;
        var calibration = accepted?.Calibration is { } c ? CalibrationPreview.Compute(c, width, height) : DraftCalibration(json, width, height);
        context.Response.StatusCode = errors.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity;
        await context.Response.WriteAsJsonAsync(new DraftResponse(errors.Count == 0, errors, calibration), SetupJsonContext.Default.DraftResponse, cancellationToken: context.RequestAborted).ConfigureAwait(false);
    }

    private async Task LiveAsync(HttpContext context)
    {
        var after = long.TryParse(context.Request.Query["after"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var a) ? a : 0;
        var snapshot = await _view.WaitNewerAsync(after, TimeSpan.FromSeconds(5), _time, context.RequestAborted).ConfigureAwait(false);
        if (snapshot is null)
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            context.Response.Headers["X-Status"] = Uri.EscapeDataString(_view.Status ?? string.Empty);
            return;
        }

        var age = (_time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(snapshot.CapturedUnixMs)).TotalMilliseconds;
        var sent = snapshot with { AgeMs = Math.Round(age, 1), Status = _view.Status };
        await context.Response.WriteAsJsonAsync(sent, SetupJsonContext.Default.LiveSnapshot, cancellationToken: context.RequestAborted).ConfigureAwait(false);
    }

    private async Task FrameAsync(HttpContext context)
    {
        var seq = long.TryParse(context.Request.Query["seq"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : 0;
        if (_view.Jpeg(seq) is not { } frame)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        context.Response.ContentType = "image/jpeg";
        context.Response.Headers["X-Seq"] = frame.Seq.ToString(CultureInfo.InvariantCulture);
        context.Response.ContentLength = frame.Jpeg.Length;
        await context.Response.Body.WriteAsync(frame.Jpeg, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task SaveAsync(HttpContext context)
    {
        if (!IsJson(context))
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        SaveResponse response;
        try
        {
            var paths = _draft.Save(_arguments.DataDirectory, _arguments.Out);
            foreach (var path in paths)
            {
                SetupLog.Saved(_logger, _draft.Running.CameraId, path);
            }

            response = new SaveResponse(true, paths, []);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            response = new SaveResponse(false, [], [e.Message]);
        }

        await context.Response.WriteAsJsonAsync(response, SetupJsonContext.Default.SaveResponse, cancellationToken: context.RequestAborted).ConfigureAwait(false);
    }

    // A cross-site form cannot send application/json without a CORS preflight, which this server never answers.
    private static bool IsJson(HttpContext context) =>
        context.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) == true;

    private static CalibrationReport? DraftCalibration(string json, int width, int height)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 32 });
            if (!document.RootElement.TryGetProperty("calibration", out var calibration) || calibration.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var points = new List<CalibrationPointConfig>();
            foreach (var p in calibration.GetProperty("points").EnumerateArray())
            {
                points.Add(new([.. p.GetProperty("image").EnumerateArray().Select(v => v.GetDouble())], [.. p.GetProperty("world").EnumerateArray().Select(v => v.GetDouble())]));
            }

            return CalibrationPreview.Compute(new CalibrationConfig(points), width, height);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return null;
        }
    }

    private static async Task HtmlAsync(HttpContext context, int status, string html)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(html, context.RequestAborted).ConfigureAwait(false);
    }
}
