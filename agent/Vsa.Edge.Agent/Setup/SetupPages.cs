using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Vsa.Edge.Agent.Setup;

/// <summary>The page's files, embedded in the agent (no CDN, nothing fetched from elsewhere), and the sign-in form.</summary>
internal static class SetupPages
{
    private const string LoginStyle =
        "body{font:16px system-ui,sans-serif;background:#f3f4f6;color:#111;display:grid;place-items:center;min-height:100vh;margin:0}" +
        "form{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0003;max-width:28rem}" +
        "input{font:inherit;font-size:1.4rem;letter-spacing:.15em;width:10em;padding:.3rem}button{font:inherit;padding:.4rem 1rem;margin-left:.5rem}" +
        ".error{color:#b00020}.note{color:#444;font-size:.9rem}";

    /// <summary>Files by request path: content type and bytes.</summary>
    public static IReadOnlyDictionary<string, (string ContentType, byte[] Bytes)> Files { get; } = Load();

    /// <summary>The Content-Security-Policy of every response; the sign-in form's one inline style is allowed by its hash.</summary>
    public static string Policy { get; } =
        "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' blob:; " +
        $"style-src 'self' 'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(LoginStyle)))}'; " +
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

    /// <summary>The sign-in form, with a message (already French) or none.</summary>
    public static string Login(string? message, bool locked) =>
        $$"""
        <!doctype html>
        <html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <title>Vsa.Edge — installation</title><style>{{LoginStyle}}</style></head>
        <body><form id="login" method="post" action="/login">
        <h1>Page d'installation</h1>
        <p>Tapez le code à usage unique affiché dans le terminal du poteau. Vérifiez d'abord que l'empreinte SHA-256 du certificat
        affichée par le navigateur est celle du terminal.</p>
        {{(message is null ? string.Empty : $"<p class=\"error\" id=\"login-error\" role=\"alert\">{WebUtility.HtmlEncode(message)}</p>")}}
        <p><input id="code" name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="20" required {{(locked ? "disabled" : "autofocus")}}>
        <button type="submit" {{(locked ? "disabled" : string.Empty)}}>Entrer</button></p>
        <p class="note">Les images restent sur la liaison poteau → ordinateur : elles ne sont envoyées nulle part ailleurs et jamais enregistrées.</p>
        </form></body></html>
        """;

    private static Dictionary<string, (string, byte[])> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var files = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("setup/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var file = name["setup/".Length..];
            var type = Path.GetExtension(file) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            files[file == "index.html" ? "/" : "/" + file] = (type, copy.ToArray());
        }

        return files;
    }
}
