using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Models;

/// <summary>
/// What the running agent's model updates do across a restart — a kill, a crash, a power cut at any step (docs/models.md,
/// "Restarts during an update"): the report at start names the package that runs and the last outcome; a soak under way
/// goes on with its recorded start and baseline, the previous model loaded again to roll back to; an update taken up
/// again says in its reason what the restart interrupted (<see cref="ModelUpdateJournal"/>).
/// </summary>
public sealed partial class ModelUpdateService
{
    private readonly ModelUpdateJournal _journal = new(store.Root);
    private UpdateInProgress? _interrupted;
    private string? _note;
    private bool _failuresAfterRestart;

    private async Task ResumeAtStartAsync(CancellationToken ct)
    {
        var state = store.Read();
        _interrupted = _journal.Read();
        string? committed = null;
        if (state.Soaking && state.StartsDuringSoak > 0)
        {
            // Started again during a soak (killed after the commit, a crash, a power cut): the new model runs, nothing is done again.
            var switching = _interrupted is { } i && i.Sha256 == state.ActiveSha256 ? i : null;
            committed = ModelUpdateJournal.DescribeSoakRestart(switching, state, setup.Soak.MaxStartsDuringSoak);
            ModelRestartLog.Interrupted(logger, state.ActiveVersion ?? "?", committed);
            if (switching is not null)
            {
                ClearJournal();
                _interrupted = null;
            }
        }

        if (state.Last is { } last && StartReport(state, last, committed) is { } update)
        {
            SetUpdate(update);
        }
        else
        {
            Publish();
        }

        if (state.Soaking && state.Active != ModelSlotState.Factory && !switchboard.Soaking)
        {
            await ResumeSoakAsync(state, ct).ConfigureAwait(false);
        }
    }

    // The last outcome as the fleet accepts it: a real version and the package's hash (null: not reported, it cannot be named).
    private ModelUpdateReport? StartReport(ModelSlotState state, ModelOutcome last, string? note)
    {
        var sha = last.Sha256 ?? (last.Version == state.ActiveVersion ? state.ActiveSha256 : null);
        if (last.Version == DesiredModel.FactoryVersion)
        {
            sha = "";
        }
        else if (sha is null || !char.IsAsciiDigit(last.Version[0]))
        {
            return null;
        }

        var wire = last.State switch
        {
            ModelUpdateStates.Active => state.Soaking ? ModelUpdateState.Soaking : ModelUpdateState.Active,
            ModelUpdateStates.RolledBack => ModelUpdateState.RolledBack,
            _ => ModelUpdateState.Failed,
        };
        return new ModelUpdateReport(state.ActiveId ?? switchboard.CurrentManifest.Id, last.Version, sha, wire, last.Reason ?? note, last.At);
    }

    // The previous model is loaded again (as it stays loaded during a soak without restart) so a failure rolls back at once.
    private async Task ResumeSoakAsync(ModelSlotState state, CancellationToken ct)
    {
        var version = state.ActiveVersion ?? "?";
        IDisposable previous;
        try
        {
            previous = await Task.Run(() => switchboard.Load(store.SlotDirectory(state.Previous), setup.Inference, logger), ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ModelException or IOException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            ModelRestartLog.SoakNotResumed(logger, version, state.Previous, ex.Message);
            return;
        }

        var startedAt = state.SoakStartedAt ?? time.GetUtcNow();
        switchboard.ResumeSoak(previous, state.SoakBaselineFps ?? 0, startedAt);
        _failuresAfterRestart = true;
        ModelRestartLog.SoakResumed(logger, version, startedAt, state.SoakBaselineFps ?? 0, state.PreviousVersion ?? ModelSlotState.Factory);
    }

    // After a restart the cameras start again: those starts are not inference faults of the model under soak.
    private void TakeFailureBaselineAfterRestart()
    {
        if (_failuresAfterRestart)
        {
            _failuresAtSwitch = setup.PipelineFailures();
            _failuresAfterRestart = false;
        }
    }

    private void OnInstallerStep(DesiredModel desired, string step, ModelUpdateFigures figures)
    {
        if (step == ModelUpdateStates.Verifying || step == ModelUpdateStates.Validating)
        {
            Step(desired, step == ModelUpdateStates.Verifying ? ModelUpdateState.Verifying : ModelUpdateState.Validating, null, figures);
        }
        else
        {
            // switching (before the commit), committed (after it): recorded, not reported (the switch reports soaking).
            Record(desired, step);
        }
    }

    // Each step is written down before it runs; an update that ended (switched, failed) leaves nothing.
    private void Journal(DesiredModel desired, ModelUpdateState state)
    {
        switch (state)
        {
            case ModelUpdateState.Downloading:
                Record(desired, ModelUpdateStates.Downloading);
                break;
            case ModelUpdateState.Verifying:
                Record(desired, ModelUpdateStates.Verifying);
                break;
            case ModelUpdateState.Validating:
                Record(desired, ModelUpdateStates.Validating);
                break;
            case ModelUpdateState.Soaking or ModelUpdateState.Active or ModelUpdateState.Failed or ModelUpdateState.RolledBack:
                ClearJournal();
                break;
            default:
                break;
        }
    }

    // What the restart interrupted, said in every report of the same package taken up again.
    private string? NoteFor(DesiredModel desired)
    {
        if (_interrupted is not { } i || i.Sha256 != desired.Sha256)
        {
            return null;
        }

        if (_note is null)
        {
            var part = new FileInfo(ModelDownloader.PackagePath(setup.DownloadFolder, desired.Sha256) + ".part");
            _note = ModelUpdateJournal.Describe(i, part.Exists ? part.Length : 0, desired.Size);
            ModelRestartLog.Interrupted(logger, desired.Version, _note);
        }

        return _note;
    }

    private void Record(DesiredModel desired, string step)
    {
        try
        {
            _journal.Write(new UpdateInProgress(desired.Id, desired.Version, desired.Sha256, step, time.GetUtcNow()));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ModelRestartLog.JournalFailed(logger, _journal.FilePath, ex.Message);
        }
    }

    private void ClearJournal()
    {
        try
        {
            _journal.Clear();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ModelRestartLog.JournalFailed(logger, _journal.FilePath, ex.Message);
        }
    }
}
