"""Write the bioRxiv/medRxiv API pages of tests/data/biorxiv/ from the records below.

The pages follow the API's format field by field (https://api.biorxiv.org: ``messages`` with
``status``, ``interval``, ``cursor``, ``count``, ``count_new_papers``, ``total``; a
``collection`` of records). The records are written by hand: no recording of the live API
could be made where these fixtures were made (no internet). ``scripts/record_biorxiv.py``
records a real day on a machine with internet, into the same file names.

    python tests/data/biorxiv/make_fixtures.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
DAY = "2026-02-01"  # posted on Sunday 1 February; listed on 2 February

# (category, title, abstract) — one per preprint, written for these fixtures
RECORDS = [
    ("bioinformatics", "Protein language models learn evolutionary constraints without multiple sequence alignments",
     "We train a 650M-parameter protein language model on UniRef50 and show that its attention maps recover residue contacts as accurately as alignment-based coupling analysis on 1,431 families. Code is available at https://github.com/fold-lab/plm-contacts."),
    ("bioinformatics", "A benchmark of single-cell foundation models for cell type annotation across 42 tissues",
     "We compare seven single-cell foundation models on 42 tissues and find that a logistic regression on highly variable genes matches them on 31 tissues while costing a fraction of the compute."),
    ("bioinformatics", "Structure-aware protein language model embeddings improve enzyme function prediction",
     "Adding predicted structure tokens to a protein language model raises enzyme commission prediction accuracy from 71.2% to 78.9% on held-out families."),
    ("neuroscience", "Hippocampal replay sequences predict the choices of rats in a spatial alternation task",
     "Recording 1,200 CA1 neurons during a spatial alternation task, we find that the content of awake replay events predicts the next choice with 68% accuracy."),
    ("neuroscience", "Dopamine ramps encode distance to reward in head-fixed mice navigating virtual corridors",
     "Fiber photometry of dopamine release in the ventral striatum shows ramps that scale with the remaining distance to reward rather than with elapsed time."),
    ("genomics", "Long-read sequencing resolves structural variants in 320 human genomes from diverse ancestries",
     "Nanopore sequencing of 320 genomes reveals 41,000 structural variants absent from short-read catalogues, a third of them in segmental duplications."),
    ("cell biology", "Mitochondrial fission precedes mitophagy under hypoxia in human fibroblasts",
     "Live imaging of 3,800 mitochondria shows that Drp1-dependent fission occurs on average 4 minutes before engulfment by autophagosomes under 1% oxygen."),
    ("microbiology", "Phage defence systems cluster in mobile islands of Pseudomonas aeruginosa",
     "A survey of 5,200 P. aeruginosa genomes locates 83% of known anti-phage defence systems within 12 hotspots on mobile genetic elements."),
    ("immunology", "Clonal expansion of tissue-resident memory T cells after influenza vaccination",
     "Paired TCR and RNA sequencing of nasal biopsies from 24 volunteers shows expansion of resident memory clones 28 days after intranasal vaccination."),
    ("ecology", "Warming shifts the timing of spring phytoplankton blooms across 89 temperate lakes",
     "Thirty years of monitoring show spring blooms advancing by 2.4 days per decade, with the largest shifts in shallow lakes."),
    ("biophysics", "Diffusion models generate protein backbones that fold in silico and in vitro",
     "We train a denoising diffusion model on 200,000 protein backbones; 61 of 96 designed sequences express solubly and 14 match their designed structure by crystallography."),
    ("bioinformatics", "Graph neural networks predict drug-target interactions from protein structure and chemistry",
     "Our graph neural network reaches an AUROC of 0.91 on a time-split drug-target benchmark, outperforming sequence-only baselines by 0.06."),
    ("neuroscience", "Large-scale calcium imaging reveals mixed selectivity in mouse posterior parietal cortex",
     "Two-photon imaging of 15,000 neurons shows that most cells encode combinations of sensory evidence, choice and running speed."),
    ("genomics", "Enhancer grammar of the developing human heart inferred with deep learning",
     "A convolutional model trained on single-nucleus ATAC-seq predicts enhancer activity in cardiomyocytes and reveals spacing rules between GATA and TBX motifs."),
    ("cell biology", "Phase separation of stress granule proteins is tuned by RNA length",
     "In vitro reconstitution shows that longer RNAs lower the saturation concentration of G3BP1 condensates by an order of magnitude."),
    ("microbiology", "Antibiotic tolerance of Escherichia coli persisters depends on ppGpp levels before treatment",
     "Single-cell reporters show that cells in the top decile of ppGpp before ampicillin exposure survive 20-fold more often."),
    ("immunology", "A single-cell atlas of human lymph nodes across the lifespan",
     "We profile 410,000 cells from lymph nodes of 38 donors aged 1 to 88 and describe an age-related loss of naive CD8 T cells."),
    ("ecology", "Camera traps reveal nocturnal shifts of mammals near roads in the Amazon",
     "Across 164 camera stations, 11 of 19 mammal species became more nocturnal within 2 km of roads."),
    ("biophysics", "Cryo-EM structures of a bacterial sodium channel in resting and activated states",
     "We resolve two states of NavAb at 2.8 and 3.1 angstrom and identify a voltage-sensor movement of 11 angstrom."),
    ("bioinformatics", "Benchmarking variant effect predictors on deep mutational scanning data",
     "Across 217 deep mutational scans, unsupervised protein language models rank variants as well as supervised predictors trained on clinical labels."),
    ("neuroscience", "Cortical traveling waves coordinate memory encoding in human intracranial recordings",
     "Electrocorticography in 27 patients shows theta traveling waves whose direction predicts later recall of words."),
    ("genomics", "CRISPR screens map regulators of fetal hemoglobin in primary erythroid cells",
     "A genome-wide knockout screen in 12 donors identifies 23 regulators of HbF, including two previously unknown zinc finger proteins."),
    ("synthetic biology", "A cell-free biosensor detects arsenic in drinking water at 10 ppb",
     "We build a freeze-dried cell-free sensor based on the ArsR repressor that reports arsenic at the WHO limit within 40 minutes."),
    ("systems biology", "Metabolic flux analysis reveals glycolytic overflow in proliferating T cells",
     "Isotope tracing in activated T cells shows that 62% of glucose carbon is excreted as lactate even under aerobic conditions."),
    ("bioinformatics", "Fast alignment-free clustering of billions of metagenomic protein sequences",
     "Our k-mer sketching method clusters 2.4 billion protein sequences in 31 hours on a single node with sensitivity close to profile search."),
    ("neuroscience", "Serotonin neurons signal the uncertainty of reward timing",
     "Recordings from dorsal raphe neurons in mice show activity proportional to the variance of the reward delay distribution."),
    ("genomics", "Allele-specific expression across 49 tissues links regulatory variants to disease",
     "We detect allele-specific expression for 12,000 genes and colocalize 1,100 signals with genome-wide association loci."),
    ("cell biology", "Centrosome amplification drives invasive protrusions in breast epithelial organoids",
     "Inducing extra centrosomes in MCF10A organoids increases invasive protrusions fourfold through Rac1 activation."),
    ("microbiology", "The gut microbiome of wild mice resists colonization by laboratory strains",
     "Wild-derived microbiota prevented engraftment of 9 of 10 laboratory Bacteroides strains in gnotobiotic mice."),
    ("immunology", "Broadly neutralizing antibodies against influenza hemagglutinin stem from a public germline",
     "Repertoire sequencing of 60 donors reveals a public IGHV1-69 lineage producing stem-directed neutralizing antibodies."),
    ("ecology", "Pollinator declines reduce seed set of wild plants across European grasslands",
     "Pollen supplementation experiments at 42 sites show pollen limitation increasing with the loss of bumblebee abundance."),
    ("biophysics", "Optical tweezers measure the force generated by a single dynein motor under load",
     "Dynein stalls at 4.3 piconewtons and takes backward steps under load, consistent with a ratchet mechanism."),
    ("bioinformatics", "Predicting protein-protein interactions with a language model trained on co-evolution",
     "A paired protein language model predicts interacting partners in bacterial two-component systems with 86% precision."),
    ("neuroscience", "Astrocytes gate synaptic plasticity in the mouse visual cortex during development",
     "Chemogenetic silencing of astrocytes during the critical period abolishes ocular dominance plasticity."),
    ("genomics", "A pangenome graph of 100 rice accessions captures domestication structural variants",
     "The graph includes 72,000 structural variants and improves read mapping in indica accessions by 7%."),
    ("cell biology", "Nuclear envelope rupture during confined migration triggers DNA damage",
     "Cells migrating through 3 micrometre constrictions rupture their nuclei in 38% of passages, followed by gamma-H2AX foci."),
    ("microbiology", "Quorum sensing controls biofilm dispersal in Vibrio cholerae through a single regulator",
     "We identify VpsR as the link between autoinducer levels and matrix degradation during dispersal."),
    ("immunology", "Trained immunity in monocytes persists for three months after BCG vaccination",
     "Monocytes from vaccinated volunteers show enhanced cytokine responses and open chromatin at inflammatory genes for 90 days."),
    ("ecology", "Coral reef fish communities recover faster in no-take marine reserves after bleaching",
     "Surveys across 73 reefs show biomass recovery twice as fast inside reserves during the five years after the 2016 bleaching."),
    ("biophysics", "Molecular dynamics reveals how lipids stabilize the open state of a mechanosensitive channel",
     "Microsecond simulations of MscL show that tension-induced lipid loss from binding pockets precedes opening."),
    ("bioinformatics", "Deep learning denoising of cryo-electron tomograms improves subtomogram averaging",
     "A self-supervised network trained on paired half-tomograms raises the resolution of ribosome averages from 9.1 to 7.4 angstrom."),
    ("neuroscience", "Sleep spindles in human thalamus couple to cortical slow oscillations during memory consolidation",
     "Depth recordings in 11 patients show thalamic spindles locked to cortical up-states, predicting overnight memory gains."),
    ("genomics", "Somatic mutation rates in human neurons increase with age at 17 mutations per year",
     "Single-neuron whole-genome sequencing of 159 neurons from 36 donors estimates a linear accumulation of somatic mutations."),
    ("cell biology", "Primary cilia length is controlled by intraflagellar transport train size",
     "Expansion microscopy shows that longer cilia carry larger IFT trains rather than more frequent ones."),
    ("microbiology", "A conserved small RNA represses virulence genes in Salmonella inside macrophages",
     "Deleting the sRNA increases intracellular replication threefold and alters expression of 48 genes."),
    ("immunology", "Germinal center B cells use glutamine oxidation to fuel proliferation",
     "Metabolic tracing shows that glutamine, not glucose, supplies most TCA cycle carbon in germinal center B cells."),
    ("ecology", "Urban heat islands advance leaf-out of street trees in 72 cities",
     "Satellite phenology shows leaf-out 6.5 days earlier in city centres than in surrounding rural areas."),
    ("biophysics", "Single-molecule FRET reveals conformational dynamics of a glutamate transporter",
     "We observe transitions between outward- and inward-facing states on a 100 millisecond time scale."),
    ("bioinformatics", "Transformer models of gene regulation trained on 1,000 human cell types",
     "Our sequence-to-expression transformer predicts cell-type-specific expression with a median Pearson correlation of 0.84."),
    ("neuroscience", "Zebrafish larvae use visual flow to estimate swimming distance",
     "Whole-brain imaging identifies a hindbrain population integrating optic flow during bouts."),
    ("genomics", "Ancient DNA reveals population turnover in Bronze Age Iberia",
     "Genomes of 271 individuals show a replacement of 40% of the ancestry within two centuries around 2200 BCE."),
    ("cell biology", "Lysosome positioning controls mTORC1 activity in nutrient-starved cells",
     "Forcing lysosomes to the cell periphery restores mTORC1 signalling under amino-acid starvation."),
    ("microbiology", "Soil bacteria share antibiotic resistance genes through outer membrane vesicles",
     "Vesicles from Streptomyces transfer a beta-lactamase gene to Bacillus at frequencies of one in a million."),
    ("immunology", "Neutrophil extracellular traps drive thrombosis in a mouse model of sepsis",
     "Blocking PAD4 reduces microthrombi in liver sinusoids by 70% and improves survival."),
    ("ecology", "Acoustic monitoring tracks the return of frogs after wetland restoration",
     "Automated call detection at 58 restored wetlands shows frog occupancy rising from 21% to 64% within four years."),
    ("biophysics", "AlphaFold-predicted structures guide the design of stable enzyme variants",
     "Combining predicted structures with a stability model yields variants with melting temperatures raised by up to 14 degrees."),
    ("bioinformatics", "Privacy-preserving federated analysis of genotype data across five biobanks",
     "Our federated method reproduces pooled association results for 12 traits without sharing individual genotypes."),
    ("neuroscience", "Motor cortex dynamics during skilled reaching are preserved after stroke recovery",
     "Population recordings in rats show that recovered reaches reuse the latent dynamics seen before the lesion."),
    ("genomics", "Transposable elements rewire immune gene networks in primates",
     "We find 1,800 primate-specific interferon-inducible enhancers derived from endogenous retroviruses."),
    ("cell biology", "Mechanical stretch activates Piezo1 to trigger epithelial cell division",
     "Stretching epithelial monolayers by 20% triggers divisions through Piezo1-dependent calcium influx within 1 hour."),
    ("microbiology", "Plasmid copy number variation accelerates adaptation to antibiotics",
     "Experimental evolution shows that multicopy plasmids increase resistance evolution rates fourfold."),
    ("immunology", "Regulatory T cells in adipose tissue sense IL-33 to control insulin resistance",
     "Deleting the IL-33 receptor in regulatory T cells worsens insulin resistance in obese mice."),
    ("ecology", "Drought reduces carbon uptake of tropical forests for two years after the event",
     "Eddy covariance data from 24 sites show a lagged reduction in gross primary production after the 2015 drought."),
    ("biophysics", "High-speed AFM films the assembly of clathrin lattices on membranes",
     "We observe hexagon-to-pentagon transitions that allow flat lattices to curve into coats."),
    ("bioinformatics", "Multimodal integration of spatial transcriptomics and histology with contrastive learning",
     "A contrastive encoder aligns Visium spots with H&E image patches and predicts expression of 250 genes from histology alone."),
    ("neuroscience", "Human hippocampal neurons code abstract task structure across contexts",
     "Single-neuron recordings in 17 patients show representations that generalize across two tasks with the same structure."),
    ("genomics", "Methylation clocks trained on saliva predict biological age in children",
     "Our saliva-based clock predicts chronological age with a median error of 0.8 years in 1,900 children."),
    ("cell biology", "The endoplasmic reticulum forms contact sites with lipid droplets through seipin",
     "Correlative light and electron microscopy shows seipin at 97% of ER-droplet contacts."),
    ("microbiology", "Fungal pathogens evade immune recognition by masking beta-glucan under hypoxia",
     "Candida albicans reduces beta-glucan exposure under 1% oxygen, lowering dectin-1 recognition by macrophages."),
    ("immunology", "Tumor-infiltrating T cells recognize neoantigens from frameshift mutations",
     "In 18 colorectal cancers, 42% of reactive T cell clones targeted frameshift-derived peptides."),
    ("ecology", "Wolves alter browsing pressure on aspen through fear effects",
     "GPS-collar data and browse surveys show lower elk browsing within 1 km of wolf pack core areas."),
    ("biophysics", "A thermodynamic model explains the cooperativity of transcription factor binding",
     "Fitting a statistical mechanics model to 3,000 synthetic promoters quantifies pairwise cooperativity energies."),
    ("bioinformatics", "Large language models answer questions about gene function with citations",
     "A retrieval-augmented model answers 1,000 curated gene function questions with 82% accuracy and correct citations in 74% of answers."),
    ("neuroscience", "Optogenetic stimulation of the claustrum disrupts attention in mice",
     "Stimulating claustrum neurons lowers detection of faint visual stimuli from 78% to 51%."),
    ("genomics", "Single-cell multiomics of human bone marrow reveals hematopoietic lineage priming",
     "Joint RNA and ATAC profiling of 120,000 cells identifies chromatin priming of erythroid genes in stem cells."),
    ("cell biology", "Golgi fragmentation during mitosis requires the kinase PLK1",
     "Inhibiting PLK1 leaves the Golgi ribbon intact and delays mitotic entry by 25 minutes."),
    ("microbiology", "Cyanobacterial circadian clocks keep time in fluctuating light",
     "Single-cell imaging shows that KaiC phosphorylation rhythms remain stable under natural light fluctuations."),
    ("immunology", "Mucosal IgA shapes the composition of the infant gut microbiome",
     "Infants of IgA-deficient mothers show delayed colonization by Bifidobacterium in the first six months."),
    ("ecology", "Invasive plants reduce insect diversity in North American grasslands",
     "Sweep-net surveys at 120 plots show 35% fewer insect species where invasive grasses dominate."),
    ("biophysics", "Cryo-ET of intact sperm flagella reveals microtubule inner proteins",
     "Subtomogram averages at 6 angstrom identify 47 microtubule inner proteins in mammalian sperm."),
    ("bioinformatics", "Predicting antimicrobial resistance from bacterial genomes with interpretable models",
     "Gradient-boosted models on k-mers predict resistance to 14 antibiotics with a balanced accuracy of 0.93."),
    ("neuroscience", "Interneurons in the songbird premotor nucleus set the tempo of song",
     "Cooling and optogenetics show that inhibitory neurons in HVC control syllable timing."),
    ("genomics", "Chromatin accessibility maps of 1,600 Arabidopsis accessions link variants to flowering time",
     "We find 3,200 accessibility QTLs, 41 of which colocalize with flowering time associations."),
    ("cell biology", "Ribosome collisions activate a stress response that pauses the cell cycle",
     "Inducing collisions with low-dose anisomycin activates ZAK and delays G1/S progression."),
    ("microbiology", "Viral metagenomes from permafrost contain giant viruses infecting amoebae",
     "We recover 93 giant virus genomes from 40,000-year-old permafrost and revive two on Acanthamoeba."),
    ("immunology", "Innate lymphoid cells sense microbial metabolites through the aryl hydrocarbon receptor",
     "Indole metabolites activate group 3 innate lymphoid cells and increase IL-22 production in the gut."),
    ("ecology", "Migratory birds stop over longer in years with late spring snow",
     "Radio-telemetry of 900 songbirds shows stopovers lengthening by 1.8 days in late springs."),
    ("biophysics", "Protein design with a sequence-structure co-diffusion model",
     "Jointly diffusing sequence and backbone yields designs with 34% higher in silico success than sequential pipelines. Code is available at https://github.com/design-lab/codiff."),
    ("bioinformatics", "Scaling laws of protein language models for mutation effect prediction",
     "Across models from 8M to 15B parameters, zero-shot fitness prediction improves log-linearly with compute until 3B parameters and then plateaus."),
    ("neuroscience", "Pupil-linked arousal modulates decision thresholds in humans",
     "Drift-diffusion modelling of 84 participants shows lower decision bounds on trials with larger pupil dilation."),
    ("genomics", "Telomere-to-telomere assembly of the gorilla genome",
     "Combining ultra-long nanopore and HiFi reads, we assemble all gorilla chromosomes without gaps."),
    ("cell biology", "Stem cell niche signals are read out by oscillating Hes1 expression",
     "Live reporters show that the period of Hes1 oscillations encodes Notch signal strength in intestinal stem cells."),
    ("microbiology", "Tuberculosis drug tolerance arises from heterogeneous efflux pump expression",
     "Time-lapse microscopy links tolerance of single Mycobacterium tuberculosis cells to efflux pump expression."),
    ("immunology", "Autoantibodies against type I interferons predict severe viral pneumonia",
     "In a cohort of 4,100 patients, neutralizing autoantibodies were found in 13% of critical cases."),
    ("ecology", "Global assessment of freshwater fish extinction risk from dams",
     "Combining range maps and 40,000 dams, we estimate that 12% of freshwater fish species face fragmentation risk."),
    ("biophysics", "Membrane curvature sensing by amphipathic helices quantified in vitro",
     "Tethered vesicle assays show a 20-fold preference of ALPS motifs for highly curved membranes."),
    ("bioinformatics", "An atlas of protein structures predicted for 200 million metagenomic sequences",
     "We predict structures for 200 million sequences and find 28% with no similarity to known structures."),
    ("neuroscience", "Gut vagal afferents signal nutrient intake to the brainstem within seconds",
     "Calcium imaging of nodose ganglion neurons shows responses to intestinal glucose within 4 seconds."),
    ("genomics", "Polygenic scores for height transfer poorly across ancestries",
     "In 500,000 individuals, prediction accuracy drops by 60% from European to African ancestry groups."),
    ("cell biology", "Actin waves drive the formation of podosomes in macrophages",
     "Lattice light-sheet imaging shows actin waves nucleating podosomes at their wavefronts."),
]

V2 = {0: "In this revision we add 310 families and an ablation of the attention heads.",
      10: "This version adds 24 new designs and their crystal structures.",
      19: "This version adds 40 scans and a comparison with supervised models trained on them."}


def record(n: int, category: str, title: str, abstract: str, version: int = 1, server: str = "bioRxiv") -> dict:
    doi = f"10.1101/2026.01.{29 + n % 3:02d}.{600100 + n * 37}"
    early = "www.biorxiv.org" if server == "bioRxiv" else "www.medrxiv.org"
    return {
        "title": title, "authors": "; ".join(f"{s}, {i}." for s, i in
                                             [("Nakamura", "K"), ("Osei", "A. B"), ("Lindqvist", "E"), ("Chen", "Y")][:1 + n % 4]),
        "author_corresponding": "Kenji Nakamura", "author_corresponding_institution": "Institute of Preprint Studies",
        "doi": doi, "date": DAY, "version": str(version), "type": "new results", "license": "cc_by",
        "category": category, "jatsxml": f"https://{early}/content/early/2026/02/01/{doi.split('/')[1]}.source.xml",
        "abstract": abstract, "funder": "NA", "published": "NA", "server": server,
    }


def page(records: list[dict], cursor: int, total: int, first: str, last: str) -> dict:
    return {"messages": [{"status": "ok", "category": "all", "interval": f"{first}:{last}", "funder": "all",
                          "cursor": cursor, "count": len(records), "count_new_papers": str(total - len(V2)),
                          "total": str(total)}], "collection": records}


def main() -> None:
    records = [record(n, *r) for n, r in enumerate(RECORDS)]
    records += [record(n, RECORDS[n][0], RECORDS[n][1], RECORDS[n][2] + " " + note, version=2)
                for n, note in V2.items()]
    broken = [{"title": "", "doi": "10.1101/2026.01.31.999999", "version": "1", "category": "genomics"},
              {"doi": "not a doi", "title": "A record without a DOI", "version": "1"}]
    everything = records[:99] + broken[:1] + records[99:] + broken[1:]
    total = len(everything)
    for cursor in range(0, total, 100):
        chunk = everything[cursor:cursor + 100]
        (HERE / f"details-biorxiv-{DAY}-{cursor}.json").write_text(
            json.dumps(page(chunk, cursor, total, DAY, DAY), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    med = [record(500 + n, "infectious diseases", t, a, server="medRxiv") for n, (t, a) in enumerate([
        ("Household transmission of RSV in infants under six months", "We follow 412 households and estimate a secondary attack rate of 28% for RSV."),
        ("Wastewater surveillance anticipates hospital admissions for influenza", "Viral RNA in wastewater of 31 cities leads admissions by 9 days on average."),
    ])]
    (HERE / f"details-medrxiv-{DAY}-0.json").write_text(
        json.dumps(page(med, 0, len(med), DAY, DAY), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{total} bioRxiv records in {-(-total // 100)} pages, {len(med)} medRxiv records")


if __name__ == "__main__":
    main()
