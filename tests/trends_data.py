"""A store of eight weeks of days for the trends tests: papers on eight subjects under the
two default topics, with a planted rising subject (tactile dexterous manipulation) in the
last week when asked. Titles and abstracts are composed from each subject's own phrases (as
papers of one subject share their vocabulary), the days are arXiv's (Monday to Friday), and
every day is saved through the store's API as a run saves it."""

from __future__ import annotations

import datetime as dt
import random

from arxiv_monitor.core.models import KeywordHit, KeywordVerdict, Listing, Paper, TopicDecision

LABELS = {"VLA": "Vision-Language-Action", "TRAFFIC_ST": "交通时空预测"}

SUBJECTS: dict[str, tuple[str, list[str], list[str]]] = {
    "diffusion": ("VLA", [
        "Diffusion Policies for {x} Robot Manipulation", "Denoising Action Diffusion for {x} Grasping",
        "Consistency Distillation of Diffusion Policies for {x} Control", "Score-Based Action Generation for {x} Arms",
    ], [
        "We train a diffusion policy that denoises action chunks conditioned on camera observations.",
        "The denoising process generates smooth trajectories for the robot arm.",
        "Diffusion policies capture multimodal action distributions in manipulation.",
        "Action chunking with a diffusion head improves success on long-horizon manipulation tasks.",
        "We distill the diffusion policy into a one-step consistency model for real-time control.",
    ]),
    "vla-pretrain": ("VLA", [
        "Scaling Vision-Language-Action Pretraining with {x} Robot Data", "A Generalist VLA Model for {x} Embodiments",
        "Open-Source Vision-Language-Action Models Trained on {x} Demonstrations",
        "Cross-Embodiment Transfer in Vision-Language-Action Models for {x} Robots",
    ], [
        "We pretrain a vision-language-action model on large cross-embodiment robot datasets.",
        "The VLA model maps language instructions and images to robot actions.",
        "Scaling the number of embodiments improves zero-shot generalization of the VLA policy.",
        "We co-train on web vision-language data and robot trajectories.",
        "The generalist policy follows unseen language instructions on new robots.",
    ]),
    "navigation": ("VLA", [
        "Language-Guided Visual Navigation in {x} Environments", "Instruction Following for {x} Mobile Robots",
        "Vision-and-Language Navigation with {x} Topological Maps", "Embodied Agents that Navigate {x} Homes from Instructions",
    ], [
        "An embodied agent navigates indoor environments following natural language instructions.",
        "We build a topological map of the scene and plan paths to the goal described in language.",
        "Vision-and-language navigation benchmarks measure success rate and path length.",
        "The mobile robot grounds landmarks mentioned in the instruction.",
        "Our navigation policy explores unseen houses and stops at the described goal.",
    ]),
    "world-model": ("VLA", [
        "Learned World Models for {x} Robot Planning", "Video Prediction World Models for {x} Manipulation",
        "Model-Based Planning with {x} Latent Dynamics", "Imagining Futures: World Models for {x} Robotic Control",
    ], [
        "We learn a world model that predicts future video frames conditioned on robot actions.",
        "Planning in the latent space of the world model selects actions by imagined rollouts.",
        "The latent dynamics model is trained on play data without rewards.",
        "Model-based planning with the learned world model reduces real-world interactions.",
        "Predicted futures are scored by a value function to choose actions.",
    ]),
    "gnn-traffic": ("TRAFFIC_ST", [
        "Spatio-Temporal Graph Neural Networks for {x} Traffic Forecasting",
        "Adaptive Graph Convolution for {x} Traffic Flow Prediction", "Dynamic Road Graphs for {x} Traffic Speed Forecasting",
        "Graph Attention over Road Sensors for {x} Traffic Prediction",
    ], [
        "We model road sensors as a graph and forecast traffic flow with spatio-temporal graph convolutions.",
        "An adaptive adjacency matrix captures hidden dependencies between road sensors.",
        "Experiments on METR-LA and PEMS-BAY show lower forecasting error.",
        "The spatio-temporal graph neural network combines graph convolution with temporal attention.",
        "Traffic speed forecasting at fifteen to sixty minute horizons improves over baselines.",
    ]),
    "trajectory": ("TRAFFIC_ST", [
        "Multi-Agent Trajectory Prediction for {x} Autonomous Driving", "Forecasting Pedestrian Trajectories in {x} Scenes",
        "Interaction-Aware Motion Forecasting for {x} Vehicles", "Scene-Conditioned Trajectory Forecasting on {x} Roads",
    ], [
        "We predict future trajectories of vehicles and pedestrians from past motion and the map.",
        "Interactions between agents are modelled with a transformer over agent tokens.",
        "Multimodal trajectory forecasts are evaluated with minADE and minFDE on Argoverse.",
        "The motion forecasting model conditions on lane graphs of the driving scene.",
        "Pedestrian trajectory prediction benefits from social interaction modelling.",
    ]),
    "llm-traffic": ("TRAFFIC_ST", [
        "Large Language Models as {x} Spatio-Temporal Forecasters", "Prompting LLMs for {x} Urban Mobility Prediction",
        "Language Models Meet {x} Time Series of City Traffic", "Tokenizing Spatio-Temporal Data for {x} Foundation Models",
    ], [
        "We prompt a large language model with serialized spatio-temporal data to forecast urban mobility.",
        "Time series patches are aligned with the token space of the language model.",
        "The LLM-based forecaster transfers across cities with few-shot prompting.",
        "A spatio-temporal foundation model is pretrained on traffic and mobility data from many cities.",
        "Urban mobility prediction with language models handles sparse regions.",
    ]),
    "demand": ("TRAFFIC_ST", [
        "Ride-Hailing Demand Forecasting in {x} Cities", "Bike-Sharing Demand Prediction with {x} Weather Signals",
        "Forecasting Taxi Demand under {x} Events", "Spatio-Temporal Demand Prediction for {x} Mobility Services",
    ], [
        "We forecast ride-hailing demand per region and hour from historical orders.",
        "Weather and holidays shift bike-sharing demand across stations.",
        "Taxi demand spikes around large events are predicted from event calendars.",
        "Region-level demand prediction uses grid-based convolution and recurrent units.",
        "Accurate demand forecasts let mobility services reposition vehicles.",
    ]),
}
PLANTED = ("VLA", [
    "Tactile Sensing for {x} Dexterous In-Hand Manipulation", "GelSight Touch Feedback for {x} Dexterous Hands",
    "Visuo-Tactile Policies for {x} In-Hand Object Reorientation", "Learning Dexterous Manipulation from {x} Tactile Signals",
], [
    "We equip a multi-fingered dexterous hand with tactile sensors on every fingertip.",
    "Tactile feedback from GelSight sensors guides in-hand object reorientation.",
    "The visuo-tactile policy fuses touch and vision to rotate objects in the hand.",
    "Contact-rich dexterous manipulation benefits from high-resolution tactile signals.",
    "Slip detection from tactile images lets the hand adjust its grasp force.",
])
FILL = ["Real-World", "Low-Cost", "Open-Vocabulary", "Long-Horizon", "Multi-Task", "Data-Efficient", "Robust",
        "Scalable", "Sparse", "Zero-Shot", "Few-Shot", "Efficient", "Uncertainty-Aware", "Hierarchical"]
NOISE = ["We release our code and data.", "Extensive experiments validate each component.",
         "Ablations show that every module contributes.", "The method runs in real time on a single GPU."]


def announcement_days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)
            if (first + dt.timedelta(days=n)).weekday() < 5]


def paper(rng: random.Random, n: int, subject: tuple[str, list[str], list[str]], day: dt.date) -> Paper:
    _topic, titles, sentences = subject
    title = rng.choice(titles).format(x=rng.choice(FILL))
    abstract = " ".join(rng.sample(sentences, 3) + [rng.choice(NOISE)])
    return Paper(id=f"{day:%y%m}.{n:05d}", version=1, title=title, abstract=abstract,
                 authors=[f"Author {n % 97}", f"Author {(n * 7) % 89}"], categories=["cs.RO"], published=day)


def decision(topic: str, prob: float, kept: bool, title: str) -> TopicDecision:
    hits = [KeywordHit(topic.lower(), "title", title)] if kept and prob > 0.9 else []
    return TopicDecision(topic, LABELS[topic], round(prob * 0.8, 4), 0.5, "semantic:minilm",
                         ("keywords" if hits else "semantic") if kept else None, KeywordVerdict(hits=hits),
                         probability=round(prob, 4), calibration="shipped")


def fill(store, last_day: dt.date = dt.date(2026, 5, 29), weeks: int = 8, planted: int = 0, seed: int = 7,
         per_day: tuple[int, int] = (5, 9), dropped: int = 4) -> list[dt.date]:
    """Save ``weeks`` weeks of days ending on ``last_day`` (a Friday) into ``store``; with
    ``planted``, that many papers of the planted subject in the last week. Returns the days."""
    rng = random.Random(seed)
    first = last_day - dt.timedelta(days=7 * weeks - 3)
    days = announcement_days(first, last_day)
    names = list(SUBJECTS)
    n = 0
    last_week = days[-5:]
    plant_on = {d: planted // 5 + (1 if i < planted % 5 else 0) for i, d in enumerate(last_week)} if planted else {}
    for day in days:
        listings = []
        count = rng.randint(*per_day)
        chosen = [SUBJECTS[rng.choice(names)] for _ in range(count)] + [PLANTED] * plant_on.get(day, 0)
        for subject in chosen:
            n += 1
            p = paper(rng, n, subject, day)
            prob = rng.uniform(0.55, 0.99)
            decisions = [decision(t, prob if t == subject[0] else rng.uniform(0.01, 0.2), t == subject[0], p.title)
                         for t in LABELS]
            listings.append(Listing(p, "new", decisions))
        for _ in range(dropped):
            n += 1
            p = paper(rng, n, SUBJECTS[rng.choice(names)], day)
            listings.append(Listing(p, "new", [decision(t, rng.uniform(0.01, 0.3), False, p.title) for t in LABELS]))
        store.papers.save([item.paper for item in listings])
        store.days.save(day.isoformat(), ["cs.RO", "cs.LG"], ["vla", "traffic"], len(listings) + 20,
                        sorted(listings, key=lambda item: not item.kept))
    return days
