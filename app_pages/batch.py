import streamlit as st

st.title("Batch")
st.info("Coming next: run a prompt over a table of inputs in the background, resumable, with a cost estimate.")
