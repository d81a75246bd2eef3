using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Vsa.Edge.Configuration;

/// <summary>
/// Camera credentials in a camera's <c>source</c> string, masked wherever the string is shown: agent logs, device-event
/// reasons and reported configurations, and the fleet's answers to readers who may not see the cameras' credentials.
/// </summary>
public static partial class SourceSecrets
{
    /// <summary>
    /// <paramref name="text"/> with every password replaced by <c>***</c>: the password of each
    /// <c>scheme://user:password@host</c> (up to the last <c>@</c> before the path, so a password may contain <c>@</c>; the
    /// user name may be empty), and the value of GStreamer properties <c>user-pw</c>, <c>passwd</c> and <c>password</c>
    /// (quoted or not). Null stays null.
    /// </summary>
    [return: NotNullIfNotNull(nameof(text))]
    public static string? Mask(string? text) =>
        text is null ? null : PasswordProperty().Replace(UrlPassword().Replace(text, "://$1:***@"), "$1=***");

    // Greedy to the last '@' before the path: the user cannot hold ':' or '@', the password can hold '@'.
    [GeneratedRegex(@"://([^:/@\s]*):([^/\s]*)@", RegexOptions.CultureInvariant)]
    private static partial Regex UrlPassword();

    [GeneratedRegex(@"(user-pw|passwd|password)\s*=\s*(""[^""]*""|\S+)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex PasswordProperty();
}
